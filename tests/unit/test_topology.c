/*
 * test_topology.c -- topology loading (plain lists, Export-Csv output with
 * #TYPE, BOM, quoting, prefixes, multi-value Computers) and every case of
 * sip_topology_compare.
 */
#include "t.h"

#include "topology.h"

static int has(const sip_topology *t, const char *fqdn, const char *kind)
{
	for (size_t i = 0; i < sip_topology_count(t); i++) {
		const char *f, *k, *s;
		sip_topology_entry(t, i, &f, &k, &s);
		if (!strcmp(f, fqdn) && (!kind || !strcmp(k, kind)))
			return 1;
	}
	return 0;
}

static void test_list(void)
{
	static const char txt[] = "\xEF\xBB\xBF# pools\r\n\r\nmail.deitterick.com\r\n"
				  "  fe01.contoso.com.  # trailing dot and comment\n"
				  "edge.contoso.com:5061\nnot-a-host\n";
	sip_topology *t = sip_topology_new();
	sip_diag d;
	sip_diag_clear(&d);
	CHECK_INT(sip_topology_load_mem(t, txt, sizeof txt - 1, "list.txt", &d), SIP_OK);
	CHECK_INT(sip_topology_count(t), 3);
	CHECK(has(t, "mail.deitterick.com", "fqdn"));
	CHECK(has(t, "fe01.contoso.com", NULL));
	CHECK(has(t, "edge.contoso.com", NULL));
	sip_topology_free(t);
}

static void test_csv_pool(void)
{
	static const char csv[] =
		"\xEF\xBB\xBF#TYPE Microsoft.Rtc.Management.Xds.DisplayTrustedApplicationPool\r\n"
		"\"Identity\",\"Registrar\",\"Site\",\"Computers\",\"Description\",\"PoolFqdn\"\r\n"
		"\"TrustedApplicationPool:mail.deitterick.com\",\"Registrar:fe.contoso.com\",\"Site:1\","
		"\"mail1.deitterick.com mail2.deitterick.com\",\"Exchange, \"\"UM\"\" pool\",\"mail.deitterick.com\"\r\n"
		"\"TrustedApplicationPool:ucma.contoso.com\",\"Registrar:fe.contoso.com\",\"Site:1\","
		"\"ucma1.contoso.com\",\"multi\nline\",\"ucma.contoso.com\"\r\n";
	sip_topology *t = sip_topology_new();
	sip_diag d;
	sip_diag_clear(&d);
	CHECK_INT(sip_topology_load_mem(t, csv, sizeof csv - 1, "pools.csv", &d), SIP_OK);
	CHECK(has(t, "mail.deitterick.com", "pool"));
	CHECK(has(t, "ucma.contoso.com", "pool"));
	CHECK(has(t, "mail1.deitterick.com", "computer"));
	CHECK(has(t, "mail2.deitterick.com", "computer"));
	CHECK(has(t, "ucma1.contoso.com", "computer"));
	/* Registrar/Site/Description columns are not FQDN columns. */
	CHECK(!has(t, "fe.contoso.com", NULL));
	CHECK_INT(sip_topology_count(t), 5);
	sip_topology_free(t);
}

static void test_csv_computer_and_pool(void)
{
	static const char comp[] =
		"#TYPE Microsoft.Rtc.Management.Xds.DisplayTrustedApplicationComputer\n"
		"Identity,Pool,Fqdn\n"
		"TrustedApplicationComputer:app1.contoso.com,TrustedApplicationPool:apps.contoso.com,app1.contoso.com\n";
	static const char pool[] =
		"Identity,Services,Computers,Fqdn,Site\n"
		"fepool.contoso.com,\"Registrar:fepool.contoso.com UserServer:fepool.contoso.com\","
		"\"fe1.contoso.com fe2.contoso.com\",fepool.contoso.com,Site:Redmond\n"
		"\"Service:Registrar:dir.contoso.com\",,,,\n";
	static const char bad[] = "Name,Value\nx,y\n";
	static const char unterminated[] = "Identity,Fqdn\n\"a.contoso.com,b\n";
	sip_topology *t = sip_topology_new();
	sip_diag d;
	sip_diag_clear(&d);
	CHECK_INT(sip_topology_load_mem(t, comp, sizeof comp - 1, "comp.csv", &d), SIP_OK);
	CHECK(has(t, "app1.contoso.com", "computer"));
	CHECK(has(t, "apps.contoso.com", "pool"));
	CHECK_INT(sip_topology_load_mem(t, pool, sizeof pool - 1, "pool.csv", &d), SIP_OK);
	CHECK(has(t, "fepool.contoso.com", "pool"));
	CHECK(has(t, "fe1.contoso.com", "computer"));
	CHECK(has(t, "fe2.contoso.com", "computer"));
	CHECK(has(t, "dir.contoso.com", "pool"));
	CHECK_INT(sip_topology_load_mem(t, bad, sizeof bad - 1, "bad.csv", &d), SIP_EFORMAT);
	CHECK_STR(d.file, "bad.csv");
	CHECK_INT(d.line, 1);
	sip_diag_clear(&d);
	CHECK_INT(sip_topology_load_mem(t, unterminated, sizeof unterminated - 1, "u.csv", &d),
		  SIP_EFORMAT);
	CHECK_INT(d.line, 2);
	sip_topology_free(t);
}

static void test_compare(void)
{
	sip_topology *t = sip_topology_new();
	sip_topo_result r;
	CHECK_INT(sip_topology_add(t, "mail.deitterick.com", 19, "pool", "x"), SIP_OK);
	CHECK_INT(sip_topology_add(t, "Edge.Contoso.com", 16, "pool", "x"), SIP_OK);
	CHECK_INT(sip_topology_add(t, "contoso.net", 11, "pool", "x"), SIP_OK);
	CHECK_INT(sip_topology_add(t, "a.b.fabrikam.com", 16, "pool", "x"), SIP_OK);

	CHECK_INT(sip_topology_compare(t, "mail.deitterick.com", 19, &r), SIP_TOPO_EXACT);
	CHECK_STR(r.entry, "mail.deitterick.com");
	CHECK_INT(sip_topology_compare(t, " mail.deitterick.com.:5061", 26, &r), SIP_TOPO_EXACT);
	CHECK_INT(sip_topology_compare(t, "edge.contoso.com", 16, &r), SIP_TOPO_CASE);
	CHECK_STR(r.entry, "Edge.Contoso.com");
	CHECK_INT(sip_topology_compare(t, "deitterick.com", 14, &r), SIP_TOPO_PARENT);
	CHECK_STR(r.entry, "mail.deitterick.com");
	CHECK_INT(sip_topology_compare(t, "sip.contoso.net", 15, &r), SIP_TOPO_CHILD);
	CHECK_STR(r.entry, "contoso.net");
	/* nearest wins: b.fabrikam.com is 1 label above a.b.fabrikam.com */
	CHECK_INT(sip_topology_compare(t, "b.fabrikam.com", 14, &r), SIP_TOPO_PARENT);
	CHECK_INT(sip_topology_compare(t, "other.example.org", 17, &r), SIP_TOPO_NONE);
	CHECK(r.entry == NULL);
	/* a suffix that is not at a label boundary is not a parent */
	CHECK_INT(sip_topology_compare(t, "itterick.com", 12, &r), SIP_TOPO_NONE);
	CHECK_INT(sip_topology_compare(NULL, "x.y", 3, &r), SIP_TOPO_NONE);
	CHECK_STR(sip_topo_match_name(SIP_TOPO_PARENT), "parent");
	CHECK_STR(sip_topo_match_name(SIP_TOPO_CASE), "case");
	CHECK_INT(sip_topology_add(t, "Site:1", 6, NULL, NULL), SIP_EFORMAT);
	sip_topology_free(t);
}

int main(int argc, char **argv)
{
	static const t_case cases[] = {
		T(test_list), T(test_csv_pool), T(test_csv_computer_and_pool),
		T(test_compare), { 0 }
	};
	return t_main(cases);
}
