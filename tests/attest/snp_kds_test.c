int ccs_test_snp_kds(void);
int ccs_test_snp_kds(void) { return 0; }
