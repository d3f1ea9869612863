/* guest-ssh-*-authorized-keys on fake accounts: file content, OpenSSH's places and permissions, key validation. */
#include <locale.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <glib/gstdio.h>

#include "harness.h"

/*
 * The accounts come from the test seam's passwd-style file ($QGA_TEST_PASSWD, format in
 * tests/seams/record-actions.c) whose home directories are in this test's temporary
 * directory: the real agent code reads and writes the key files there, and no real user's
 * ~/.ssh is ever touched. On POSIX the accounts carry this process's own uid/gid so the
 * agent's chown works without root.
 *
 * Under Wine the same account file is read by the Windows seam build (paths given as Z:\...):
 * admins get %ProgramData%\ssh\administrators_authorized_keys ($QGA_TEST_SSHD_DIR), others
 * <profile>\.ssh\authorized_keys. What Wine cannot show: the protected DACLs the agent puts on
 * those files (Wine keeps security descriptors in its own extended attribute, and nothing here
 * evaluates them as OpenSSH would); only the places and contents are checked there.
 */

typedef struct Fixture {
    char *dir;        /* temporary directory, removed at the end */
    char *passwd;     /* the account file */
    char *sshd_dir;   /* fake %ProgramData%\ssh */
    QgaTestAgent *agent;
    QgaTestClient *client;
} Fixture;

/* How the agent sees a path of ours: unchanged on POSIX, Wine's Z: drive for the Windows build. */
static char *agent_path(const char *path)
{
    if (qga_test_agent_is_posix()) {
        return g_strdup(path);
    }
    g_autofree char *p = g_strdup(path);
    g_strdelimit(p, "/", '\\');
    return g_strconcat("Z:", p, NULL);
}

static char *home_of(const Fixture *f, const char *user)
{
    return g_build_filename(f->dir, "home", user, NULL);
}

static void fixture_start(Fixture *f, gconstpointer data)
{
    const char *seam = g_getenv("QGA_TESTSEAM");
    if (!seam) {
        g_test_fail_printf("QGA_TESTSEAM is not set: the qga-compat-testseam binary is not built");
        return;
    }
    g_autoptr(GError) error = NULL;
    f->dir = g_dir_make_tmp("qgassh.XXXXXX", &error);
    g_assert_no_error(error);
    f->passwd = g_build_filename(f->dir, "passwd", NULL);
    f->sshd_dir = g_build_filename(f->dir, "programdata-ssh", NULL);
    g_assert_cmpint(g_mkdir(f->sshd_dir, 0755), ==, 0);

    /* alice: an ordinary user; admin: an administrator (Windows rule); nohome: no home/profile. */
    g_autoptr(GString) accounts = g_string_new("# name:password:uid:gid:flags:home:shell\n");
    static const char *const users[] = { "alice", "admin", "ren\xc3\xa9" };
    for (size_t i = 0; i < G_N_ELEMENTS(users); i++) {
        g_autofree char *home = home_of(f, users[i]);
        g_assert_cmpint(g_mkdir_with_parents(home, 0755), ==, 0);
        g_autofree char *ahome = agent_path(home);
        g_string_append_printf(accounts, "%s:x:%u:%u:%ssid=S-1-5-21-1000-2000-3000-%zu:%s:/bin/sh\n", users[i],
                               (unsigned)getuid(), (unsigned)getgid(), i == 1 ? "admin," : "", 1001 + i, ahome);
    }
    g_string_append_printf(accounts, "nohome:x:%u:%u::", (unsigned)getuid(), (unsigned)getgid());
    g_string_append(accounts, ":/bin/sh\n");
    g_assert_true(g_file_set_contents(f->passwd, accounts->str, -1, NULL));

    g_autofree char *apasswd = agent_path(f->passwd);
    g_autofree char *asshd = agent_path(f->sshd_dir);
    g_autofree char *env_passwd = g_strconcat("QGA_TEST_PASSWD=", apasswd, NULL);
    g_autofree char *env_sshd = g_strconcat("QGA_TEST_SSHD_DIR=", asshd, NULL);
    const char *const env[] = { env_passwd, env_sshd, NULL };
    QgaTestAgentOptions opts = { .binary = seam, .env = env };
    f->agent = qga_test_agent_start(&opts);
    f->client = qga_test_connect(f->agent);
}

static void rm_rf(const char *path)
{
    const char *argv[] = { "rm", "-rf", path, NULL };
    g_spawn_sync(NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH, NULL, NULL, NULL, NULL, NULL, NULL);
}

static void fixture_stop(Fixture *f, gconstpointer data)
{
    if (f->client) {
        qga_test_client_close(f->client);
    }
    if (f->agent) {
        qga_test_agent_stop(f->agent);
    }
    if (f->dir) {
        rm_rf(f->dir);
    }
    g_free(f->dir);
    g_free(f->passwd);
    g_free(f->sshd_dir);
}

/* The key file of a fake user (POSIX: ~/.ssh/authorized_keys; Windows: the OpenSSH place). */
static char *keys_path(const Fixture *f, const char *user)
{
    if (!qga_test_agent_is_posix() && g_str_equal(user, "admin")) {
        return g_build_filename(f->sshd_dir, "administrators_authorized_keys", NULL);
    }
    g_autofree char *home = home_of(f, user);
    return g_build_filename(home, ".ssh", "authorized_keys", NULL);
}

static char *read_keys(const Fixture *f, const char *user)
{
    g_autofree char *path = keys_path(f, user);
    char *text = NULL;
    g_assert_true(g_file_get_contents(path, &text, NULL, NULL));
    return text;
}

static void write_keys(const Fixture *f, const char *user, const char *content)
{
    g_autofree char *home = home_of(f, user);
    g_autofree char *dir = g_build_filename(home, ".ssh", NULL);
    g_assert_cmpint(g_mkdir_with_parents(dir, 0700), ==, 0);
    g_autofree char *path = keys_path(f, user);
    g_assert_true(g_file_set_contents(path, content, -1, NULL));
}

static void assert_keys(JsonObject *reply, const char *const *expected)
{
    JsonObject *ret = json_node_get_object(qga_test_reply_return(reply));
    JsonArray *keys = json_object_get_array_member(ret, "keys");
    guint n = g_strv_length((char **)expected);
    g_assert_cmpuint(json_array_get_length(keys), ==, n);
    for (guint i = 0; i < n; i++) {
        g_assert_cmpstr(json_array_get_string_element(keys, i), ==, expected[i]);
    }
}

static JsonObject *add_keys(Fixture *f, const char *user, const char *keys_json, const char *reset)
{
    return qga_test_cmdf(f->client, "{\"execute\": \"guest-ssh-add-authorized-keys\", \"arguments\": "
                                    "{\"username\": \"%s\", \"keys\": %s%s%s}}",
                         user, keys_json, reset ? ", \"reset\": " : "", reset ? reset : "");
}

static void test_add_creates(Fixture *f, gconstpointer data)
{
    if (!f->agent) {
        return;
    }
    g_autoptr(JsonObject) r1 = add_keys(f, "alice", "[\"ssh-ed25519 AAAAkey2 c2\"]", NULL);
    g_assert_cmpint(json_object_get_size(json_node_get_object(qga_test_reply_return(r1))), ==, 0);
    g_autofree char *t1 = read_keys(f, "alice");
    g_assert_cmpstr(t1, ==, "ssh-ed25519 AAAAkey2 c2\n");

    if (qga_test_agent_is_posix()) {
        /* sshd's StrictModes: ~/.ssh 0700 and the file 0600, both the user's. */
        g_autofree char *home = home_of(f, "alice");
        g_autofree char *dir = g_build_filename(home, ".ssh", NULL);
        g_autofree char *path = keys_path(f, "alice");
        struct stat st;
        g_assert_cmpint(stat(dir, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 07777, ==, 0700);
        g_assert_cmpuint(st.st_uid, ==, getuid());
        g_assert_cmpint(stat(path, &st), ==, 0);
        g_assert_cmpint(st.st_mode & 07777, ==, 0600);
        g_assert_cmpuint(st.st_uid, ==, getuid());
        g_assert_cmpuint(st.st_gid, ==, getgid());
        /* No temporary file left behind. */
        g_autoptr(GDir) d = g_dir_open(dir, 0, NULL);
        g_assert_cmpstr(g_dir_read_name(d), ==, "authorized_keys");
        g_assert_null(g_dir_read_name(d));
    }

    /* Appended, never duplicated (qemu-ga's test: key2 came first and stays single). */
    g_autoptr(JsonObject) r2 = add_keys(f, "alice", "[\"ssh-rsa AAAAkey1 c1\", \"ssh-ed25519 AAAAkey2 c2\", \"ssh-rsa AAAAkey1 c1\"]", "false");
    qga_test_reply_return(r2);
    g_autofree char *t2 = read_keys(f, "alice");
    g_assert_cmpstr(t2, ==, "ssh-ed25519 AAAAkey2 c2\nssh-rsa AAAAkey1 c1\n");

    g_autoptr(JsonObject) g = qga_test_cmd(f->client, "{\"execute\": \"guest-ssh-get-authorized-keys\", \"arguments\": {\"username\": \"alice\"}}");
    static const char *const both[] = { "ssh-ed25519 AAAAkey2 c2", "ssh-rsa AAAAkey1 c1", NULL };
    assert_keys(g, both);

    /* reset replaces; reset with no keys empties the file (virsh set-user-sshkeys --reset). */
    g_autoptr(JsonObject) r3 = add_keys(f, "alice", "[\"ssh-rsa AAAAkey3\"]", "true");
    qga_test_reply_return(r3);
    g_autofree char *t3 = read_keys(f, "alice");
    g_assert_cmpstr(t3, ==, "ssh-rsa AAAAkey3\n");
    g_autoptr(JsonObject) r4 = add_keys(f, "alice", "[]", "true");
    qga_test_reply_return(r4);
    g_autofree char *t4 = read_keys(f, "alice");
    g_assert_cmpstr(t4, ==, "");
    g_autoptr(JsonObject) g2 = qga_test_cmd(f->client, "{\"execute\": \"guest-ssh-get-authorized-keys\", \"arguments\": {\"username\": \"alice\"}}");
    static const char *const none[] = { NULL };
    assert_keys(g2, none);
}

static void test_existing_file(Fixture *f, gconstpointer data)
{
    if (!f->agent) {
        return;
    }
    /* A file edited by hand: comments, blank lines, indentation, a CRLF line, a duplicate, no final newline. */
    write_keys(f, "alice", "# managed by hand\n\nssh-rsa AAAAkey1 c1\n  ssh-ed25519 AAAAkey2 c2  \r\n"
                           "ssh-rsa AAAAkey1 c1\r\nssh-dss AAAAold");
    g_autoptr(JsonObject) g = qga_test_cmd(f->client, "{\"execute\": \"guest-ssh-get-authorized-keys\", \"arguments\": {\"username\": \"alice\"}}");
    /* File order, blanks stripped, comments and empty lines skipped. */
    static const char *const listed[] = { "ssh-rsa AAAAkey1 c1", "ssh-ed25519 AAAAkey2 c2", "ssh-rsa AAAAkey1 c1",
                                          "ssh-dss AAAAold", NULL };
    assert_keys(g, listed);

    /* Adding a key present as a CRLF line changes nothing but the missing final newline. */
    g_autoptr(JsonObject) r1 = add_keys(f, "alice", "[\"ssh-dss AAAAold\"]", NULL);
    qga_test_reply_return(r1);
    g_autofree char *t1 = read_keys(f, "alice");
    g_assert_cmpstr(t1, ==, "# managed by hand\n\nssh-rsa AAAAkey1 c1\n  ssh-ed25519 AAAAkey2 c2  \r\n"
                            "ssh-rsa AAAAkey1 c1\r\nssh-dss AAAAold\n");

    /* Remove: every copy (CRLF ones too), comments and the rest kept; a missing key is fine. */
    g_autoptr(JsonObject) r2 = qga_test_cmd(f->client, "{\"execute\": \"guest-ssh-remove-authorized-keys\", \"arguments\": "
                                                       "{\"username\": \"alice\", \"keys\": [\"ssh-rsa AAAAkey1 c1\", \"ssh-rsa AAAAnot-there\"]}}");
    g_assert_cmpint(json_object_get_size(json_node_get_object(qga_test_reply_return(r2))), ==, 0);
    g_autofree char *t2 = read_keys(f, "alice");
    g_assert_cmpstr(t2, ==, "# managed by hand\n\n  ssh-ed25519 AAAAkey2 c2  \r\nssh-dss AAAAold\n");

    /* Removing from a user without any file is not an error, and creates nothing. */
    g_autoptr(JsonObject) r3 = qga_test_cmd(f->client, "{\"execute\": \"guest-ssh-remove-authorized-keys\", \"arguments\": "
                                                       "{\"username\": \"ren\\u00e9\", \"keys\": [\"ssh-rsa AAAAkey1\"]}}");
    qga_test_reply_return(r3);
    g_autofree char *rpath = keys_path(f, "ren\xc3\xa9");
    g_assert_false(g_file_test(rpath, G_FILE_TEST_EXISTS));
}

static void test_errors(Fixture *f, gconstpointer data)
{
    if (!f->agent) {
        return;
    }
    /* Reading a file that does not exist is an error, as in qemu-ga. */
    g_autoptr(JsonObject) g = qga_test_cmd(f->client, "{\"execute\": \"guest-ssh-get-authorized-keys\", \"arguments\": {\"username\": \"alice\"}}");
    g_autofree char *path = keys_path(f, "alice");
    g_autofree char *apath = agent_path(path);
    g_autofree char *prefix = g_strdup_printf("failed to read '%s': ", apath);
    qga_test_assert_error_prefix(g, "GenericError", prefix);

    /* Keys are checked before the user is looked up (qemu-ga's order and text). */
    g_autoptr(JsonObject) k1 = add_keys(f, "nobody-here", "[\"ssh-rsa ok\", \"# comment\"]", NULL);
    qga_test_assert_error(k1, "GenericError", "invalid OpenSSH public key: '# comment'");
    g_autoptr(JsonObject) k2 = qga_test_cmd(f->client, "{\"execute\": \"guest-ssh-remove-authorized-keys\", \"arguments\": "
                                                       "{\"username\": \"alice\", \"keys\": [\"ssh-rsa a\\nssh-rsa b\"]}}");
    qga_test_assert_error(k2, "GenericError", "invalid OpenSSH public key: 'ssh-rsa a\nssh-rsa b'");
    g_autoptr(JsonObject) k3 = add_keys(f, "alice", "[1]", NULL);
    qga_test_assert_error(k3, "GenericError", "Invalid parameter type for 'keys[0]', expected: string");

    /* Unknown user. */
    g_autoptr(JsonObject) u1 = qga_test_cmd(f->client, "{\"execute\": \"guest-ssh-get-authorized-keys\", \"arguments\": {\"username\": \"nobody-here\"}}");
    qga_test_assert_error_prefix(u1, "GenericError", "failed to lookup user 'nobody-here'");
    g_autoptr(JsonObject) u2 = add_keys(f, "nobody-here", "[\"ssh-rsa x\"]", NULL);
    qga_test_assert_error_prefix(u2, "GenericError", "failed to lookup user 'nobody-here'");

    /* An account without a home (POSIX) or profile (Windows: never logged on). */
    g_autoptr(JsonObject) h = add_keys(f, "nohome", "[\"ssh-rsa x\"]", NULL);
    qga_test_assert_error(h, "GenericError", qga_test_agent_is_posix()
                                                 ? "user 'nohome' has no home directory"
                                                 : "the profile directory of user nohome is not known (the user has never logged on)");
    g_assert_false(g_file_test(path, G_FILE_TEST_EXISTS));
}

/* Windows rule: administrators' keys live in %ProgramData%\ssh, not in their profile. */
static void test_admin_file(Fixture *f, gconstpointer data)
{
    if (!f->agent) {
        return;
    }
    g_autoptr(JsonObject) r = add_keys(f, "admin", "[\"ssh-ed25519 AAAAadmin\"]", NULL);
    qga_test_reply_return(r);
    g_autofree char *text = read_keys(f, "admin");
    g_assert_cmpstr(text, ==, "ssh-ed25519 AAAAadmin\n");
    g_autofree char *admin_file = g_build_filename(f->sshd_dir, "administrators_authorized_keys", NULL);
    g_autofree char *home = home_of(f, "admin");
    g_autofree char *profile_file = g_build_filename(home, ".ssh", "authorized_keys", NULL);
    if (qga_test_agent_is_posix()) {
        /* POSIX has no such rule: the admin flag of the fake account means nothing there. */
        g_assert_true(g_file_test(profile_file, G_FILE_TEST_EXISTS));
        g_assert_false(g_file_test(admin_file, G_FILE_TEST_EXISTS));
    } else {
        g_assert_true(g_file_test(admin_file, G_FILE_TEST_EXISTS));
        g_assert_false(g_file_test(profile_file, G_FILE_TEST_EXISTS));
    }
    g_autoptr(JsonObject) g = qga_test_cmd(f->client, "{\"execute\": \"guest-ssh-get-authorized-keys\", \"arguments\": {\"username\": \"admin\"}}");
    static const char *const one[] = { "ssh-ed25519 AAAAadmin", NULL };
    assert_keys(g, one);
}

/* POSIX: the agent runs as root in a directory the user owns; a ~/.ssh symlink must not
 * redirect its writes (qemu-ga follows it, e.g. onto another account's .ssh). */
static void test_symlink_refused(Fixture *f, gconstpointer data)
{
    if (!f->agent) {
        return;
    }
    if (!qga_test_agent_is_posix()) {
        /* (One request first: the agent is fully up before the fixture stops it.) */
        g_autoptr(JsonObject) p = qga_test_cmd(f->client, "{\"execute\": \"guest-ping\"}");
        qga_test_reply_return(p);
        g_test_skip("POSIX ownership rules (no symlinks in the Windows profile test)");
        return;
    }
    g_autofree char *home = home_of(f, "alice");
    g_autofree char *target = g_build_filename(f->dir, "elsewhere", NULL);
    g_autofree char *link = g_build_filename(home, ".ssh", NULL);
    g_assert_cmpint(g_mkdir(target, 0700), ==, 0);
    g_assert_cmpint(symlink(target, link), ==, 0);
    g_autoptr(JsonObject) r = add_keys(f, "alice", "[\"ssh-rsa evil\"]", NULL);
    g_autofree char *prefix = g_strdup_printf("failed to open directory '%s': ", link);
    qga_test_assert_error_prefix(r, "GenericError", prefix);
    g_autofree char *planted = g_build_filename(target, "authorized_keys", NULL);
    g_assert_false(g_file_test(planted, G_FILE_TEST_EXISTS));
}

int main(int argc, char **argv)
{
    setlocale(LC_ALL, "");
    g_test_init(&argc, &argv, NULL);
#define ADD(path, fn) g_test_add("/integration/ssh/" path, Fixture, NULL, fixture_start, fn, fixture_stop)
    ADD("add-creates", test_add_creates);
    ADD("existing-file", test_existing_file);
    ADD("errors", test_errors);
    ADD("admin-file", test_admin_file);
    ADD("symlink-refused", test_symlink_refused);
    return g_test_run();
}
