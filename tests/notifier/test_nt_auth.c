//  Check tests of nt_auth: the token comparison, the bearer header and the
//  access rules.

#include <check.h>
#include <string.h>

#include "nt_auth.h"

START_TEST (test_equal)
{
    const char *token = "5f2a9c";
    ck_assert (nt_auth_equal (token, "5f2a9c", 6));
    ck_assert (!nt_auth_equal (token, "5f2a9d", 6));
    ck_assert (!nt_auth_equal (token, "5f2a9", 5));
    ck_assert (!nt_auth_equal (token, "5f2a9c0", 7));
    ck_assert (!nt_auth_equal (token, "", 0));
    //  Only candidate_len bytes count: a NUL inside does not end it.
    ck_assert (!nt_auth_equal (token, "5f2a9c\0", 7));
    ck_assert (nt_auth_equal (token, "5f2a9cXYZ", 6));
    //  A prefix that matches, then a length that does not.
    ck_assert (!nt_auth_equal ("ab", "ab\0\0", 4));
}
END_TEST

START_TEST (test_bearer)
{
    const char *cred = NULL;
    size_t len = 0;
    ck_assert_int_eq (nt_auth_bearer ("Bearer abc123", &cred, &len), 0);
    ck_assert_uint_eq (len, 6);
    ck_assert_int_eq (strncmp (cred, "abc123", len), 0);
    ck_assert_int_eq (nt_auth_bearer ("bearer   abc  ", &cred, &len), 0);
    ck_assert_uint_eq (len, 3);
    ck_assert_int_eq (strncmp (cred, "abc", len), 0);
    ck_assert_int_eq (nt_auth_bearer ("Basic YWJjOmRlZg==", &cred, &len), -1);
    ck_assert_int_eq (nt_auth_bearer ("Bearer", &cred, &len), -1);
    ck_assert_int_eq (nt_auth_bearer ("Bearer    ", &cred, &len), -1);
    ck_assert_int_eq (nt_auth_bearer ("Bearerabc", &cred, &len), -1);
    ck_assert_int_eq (nt_auth_bearer ("", &cred, &len), -1);
    ck_assert_int_eq (nt_auth_bearer (NULL, &cred, &len), -1);
}
END_TEST

START_TEST (test_decide)
{
    //  A token configured.
    ck_assert_int_eq (nt_auth_decide ("t0k", false, "t0k", 3), NT_ACCESS_FULL);
    ck_assert_int_eq (nt_auth_decide ("t0k", false, "t0x", 3), NT_ACCESS_REFUSED);
    ck_assert_int_eq (nt_auth_decide ("t0k", false, NULL, 0), NT_ACCESS_REFUSED);
    ck_assert_int_eq (nt_auth_decide ("t0k", false, "", 0), NT_ACCESS_REFUSED);
    //  ...with anonymous watchers allowed: a wrong token is still refused.
    ck_assert_int_eq (nt_auth_decide ("t0k", true, NULL, 0), NT_ACCESS_READ);
    ck_assert_int_eq (nt_auth_decide ("t0k", true, "t0k", 3), NT_ACCESS_FULL);
    ck_assert_int_eq (nt_auth_decide ("t0k", true, "bad", 3), NT_ACCESS_REFUSED);
    //  No token: read-only for everyone, and only when allowed.
    ck_assert_int_eq (nt_auth_decide ("", true, NULL, 0), NT_ACCESS_READ);
    ck_assert_int_eq (nt_auth_decide ("", true, "anything", 8), NT_ACCESS_READ);
    ck_assert_int_eq (nt_auth_decide ("", false, NULL, 0), NT_ACCESS_REFUSED);
    ck_assert_int_eq (nt_auth_decide (NULL, false, "x", 1), NT_ACCESS_REFUSED);
    ck_assert_str_eq (nt_access_name (NT_ACCESS_FULL), "full");
    ck_assert_str_eq (nt_access_name (NT_ACCESS_READ), "read");
    ck_assert_str_eq (nt_access_name (NT_ACCESS_REFUSED), "refused");
}
END_TEST

int
main (void)
{
    Suite *suite = suite_create ("nt_auth");
    TCase *tc = tcase_create ("core");
    tcase_add_test (tc, test_equal);
    tcase_add_test (tc, test_bearer);
    tcase_add_test (tc, test_decide);
    suite_add_tcase (suite, tc);
    SRunner *runner = srunner_create (suite);
    srunner_run_all (runner, CK_NORMAL);
    int failed = srunner_ntests_failed (runner);
    srunner_free (runner);
    return failed == 0 ? 0 : 1;
}
