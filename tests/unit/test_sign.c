/*
 * test_sign.c - keys, SSHSIG and allowed_signers: round trips, and that stock
 * ssh-keygen and hrdex accept each other's keys and signatures byte for byte,
 * while hrdex refuses every variant a relay could make of a signature.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>
#include <sys/stat.h>

#include "error.h"
#include "signers.h"
#include "sign_util.h"
#include "sshsig.h"

static int setup(void **state)
{
	*state = tmp_new();
	return *state ? 0 : -1;
}

static int teardown(void **state)
{
	tmp_free(*state);
	return 0;
}

static const char msg[] = "{\"id\":\"2024-1\",\"publisher\":\"achpr\"}\n";

/* ---- keys ------------------------------------------------------------ */

static void test_key_generate_save_load(void **state)
{
	struct tmp *t = *state;
	struct hrdex_key key, loaded;
	struct hrdex_buf pub = HRDEX_BUF_INIT, line = HRDEX_BUF_INIT, y = HRDEX_BUF_INIT;
	char path[128], pubpath[128], ypath[128];
	struct stat st;

	assert_int_equal(hrdex_key_generate(&key, "achpr@hrdex"), 0);
	assert_int_equal(hrdex_key_save(&key, tmp_path(path, sizeof(path), t, "id_ed25519")), 0);
	tmp_path(pubpath, sizeof(pubpath), t, "id_ed25519.pub");
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(pubpath, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0644);

	assert_int_equal(hrdex_key_load(&loaded, path), 0);
	assert_memory_equal(loaded.pk, key.pk, 32);
	assert_memory_equal(loaded.sk, key.sk, 64);
	assert_string_equal(loaded.comment, "achpr@hrdex");

	/* The .pub file is the public line, and ssh-keygen derives the same. */
	assert_int_equal(hrdex_key_public_line(&line, key.pk, key.comment), 0);
	assert_int_equal(hrdex_buf_putc(&line, '\n'), 0);
	assert_int_equal(hrdex_fs_read(&pub, pubpath, 4096), 0);
	assert_string_equal(pub.ptr, line.ptr);
	assert_int_equal(run("ssh-keygen -y -f '%s' > '%s' 2>/dev/null", path,
			     tmp_path(ypath, sizeof(ypath), t, "y.pub")), 0);
	assert_int_equal(hrdex_fs_read(&y, ypath, 4096), 0);
	assert_string_equal(y.ptr, line.ptr);

	hrdex_buf_free(&y);
	hrdex_buf_free(&pub);
	hrdex_buf_free(&line);
	hrdex_key_wipe(&key);
	hrdex_key_wipe(&loaded);
}

static void test_key_load_from_ssh_keygen(void **state)
{
	struct tmp *t = *state;
	struct hrdex_key key;
	struct hrdex_buf pub = HRDEX_BUF_INIT, line = HRDEX_BUF_INIT;
	char path[128], pubpath[128];
	unsigned char pk[32];

	tmp_path(path, sizeof(path), t, "k");
	assert_int_equal(run("ssh-keygen -q -t ed25519 -N '' -C x -f '%s'", path), 0);
	assert_int_equal(hrdex_key_load(&key, path), 0);
	assert_string_equal(key.comment, "x");
	assert_int_equal(hrdex_fs_read(&pub, tmp_path(pubpath, sizeof(pubpath), t, "k.pub"), 4096), 0);
	assert_int_equal(hrdex_key_parse_public(pk, pub.ptr), 0);
	assert_memory_equal(pk, key.pk, 32);
	assert_int_equal(hrdex_key_public_line(&line, key.pk, key.comment), 0);
	assert_int_equal(hrdex_buf_putc(&line, '\n'), 0);
	assert_string_equal(line.ptr, pub.ptr);
	hrdex_buf_free(&line);
	hrdex_buf_free(&pub);
	hrdex_key_wipe(&key);
}

static void test_key_load_refuses_encrypted(void **state)
{
	struct tmp *t = *state;
	struct hrdex_key key;
	char path[128];

	tmp_path(path, sizeof(path), t, "enc");
	assert_int_equal(run("ssh-keygen -q -t ed25519 -N 'a passphrase' -C x -f '%s'", path), 0);
	assert_int_equal(hrdex_key_load(&key, path), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
	assert_non_null(strstr(hrdex_error_message(), "encrypted"));
}

static void test_key_load_refuses_other_types_and_garbage(void **state)
{
	struct tmp *t = *state;
	struct hrdex_key key;
	char path[128];

	tmp_path(path, sizeof(path), t, "ecdsa");
	assert_int_equal(run("ssh-keygen -q -t ecdsa -N '' -C x -f '%s'", path), 0);
	assert_int_equal(hrdex_key_load(&key, path), -1);
	assert_non_null(strstr(hrdex_error_message(), "ecdsa-sha2-nistp256"));

	tmp_path(path, sizeof(path), t, "junk");
	assert_int_equal(write_text(path, "hello\n", 6), 0);
	assert_int_equal(hrdex_key_load(&key, path), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);

	assert_int_equal(write_text(path, "-----BEGIN OPENSSH PRIVATE KEY-----\nb3Blbn!!\n"
				    "-----END OPENSSH PRIVATE KEY-----\n", 80), 0);
	assert_int_equal(hrdex_key_load(&key, path), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
}

/* A byte changed anywhere in a saved key file never loads as another key. */
static void test_key_load_refuses_mutations(void **state)
{
	struct tmp *t = *state;
	struct hrdex_key key, loaded;
	struct hrdex_buf file = HRDEX_BUF_INIT;
	char path[128], mutated[128];
	size_t i;
	int accepted = 0;

	assert_int_equal(hrdex_key_generate(&key, "c"), 0);
	assert_int_equal(hrdex_key_save(&key, tmp_path(path, sizeof(path), t, "id")), 0);
	assert_int_equal(hrdex_fs_read(&file, path, 4096), 0);
	tmp_path(mutated, sizeof(mutated), t, "m");
	for (i = 36; i + 36 < file.len; i++) {
		char saved = file.ptr[i];

		if (saved == '\n')
			continue;
		/* Another base64 letter, so that decoding itself succeeds. */
		file.ptr[i] = saved == 'A' ? 'B' : 'A';
		assert_int_equal(write_text(mutated, file.ptr, file.len), 0);
		if (hrdex_key_load(&loaded, mutated) == 0) {
			/* Loading is fine only if it yields the very same key
			 * (the comment, as in OpenSSH, is not protected). */
			accepted += memcmp(loaded.sk, key.sk, 64) != 0 || memcmp(loaded.pk, key.pk, 32) != 0;
		}
		file.ptr[i] = saved;
	}
	assert_int_equal(accepted, 0);
	hrdex_buf_free(&file);
	hrdex_key_wipe(&key);
	hrdex_key_wipe(&loaded);
}

static void test_public_line_parse(void **state)
{
	struct hrdex_key key;
	struct hrdex_buf line = HRDEX_BUF_INIT;
	unsigned char pk[32];

	(void)state;
	assert_int_equal(hrdex_key_generate(&key, ""), 0);
	assert_int_equal(hrdex_key_public_line(&line, key.pk, ""), 0);
	assert_int_equal(strncmp(line.ptr, "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAI", 37), 0);
	assert_null(strchr(line.ptr, '\n'));
	assert_int_equal(hrdex_key_parse_public(pk, line.ptr), 0);
	assert_memory_equal(pk, key.pk, 32);

	hrdex_buf_puts(&line, " some comment\n");
	assert_int_equal(hrdex_key_parse_public(pk, line.ptr), 0);
	assert_memory_equal(pk, key.pk, 32);

	assert_int_equal(hrdex_key_parse_public(pk, "ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC"), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
	assert_int_equal(hrdex_key_parse_public(pk, "ssh-ed25519 AAAA!!!"), -1);
	assert_int_equal(hrdex_key_parse_public(pk, "ssh-ed25519"), -1);
	/* An ssh-rsa blob under an ssh-ed25519 name. */
	assert_int_equal(hrdex_key_parse_public(pk, "ssh-ed25519 AAAAB3NzaC1yc2EAAAADAQABAAAAgQC="), -1);
	hrdex_buf_free(&line);
	hrdex_key_wipe(&key);
}

/* ---- SSHSIG ------------------------------------------------------------ */

static void test_sign_verify_round_trip(void **state)
{
	struct hrdex_key key;
	struct hrdex_buf armor = HRDEX_BUF_INIT;
	unsigned char signer[32];
	const char *p;

	(void)state;
	assert_int_equal(hrdex_key_generate(&key, ""), 0);
	assert_int_equal(hrdex_sshsig_sign(&armor, &key, "git", msg, strlen(msg)), 0);
	assert_int_equal(strncmp(armor.ptr, "-----BEGIN SSH SIGNATURE-----\n", 30), 0);
	assert_string_equal(armor.ptr + armor.len - 28, "-----END SSH SIGNATURE-----\n");
	for (p = armor.ptr; *p; p += strcspn(p, "\n") + 1)
		assert_true(strcspn(p, "\n") <= 70);
	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", msg, strlen(msg)), 0);
	assert_memory_equal(signer, key.pk, 32);

	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "file", msg, strlen(msg)), -1);
	assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
	assert_string_equal(hrdex_error_message(), "signature namespace 'git', expected 'file'");
	/* The armor's final newline is part of its one canonical text. */
	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len - 1, "git", msg, strlen(msg)), -1);
	assert_non_null(strstr(hrdex_error_message(), "non-canonical signature"));
	hrdex_buf_free(&armor);
	hrdex_key_wipe(&key);
}

/* hrdex signs, stock ssh-keygen verifies. */
static void test_ssh_keygen_verifies_hrdex(void **state)
{
	struct tmp *t = *state;
	struct hrdex_key key;
	struct hrdex_buf armor = HRDEX_BUF_INIT, allowed = HRDEX_BUF_INIT;
	char apath[128], mpath[128], spath[128];

	assert_int_equal(hrdex_key_generate(&key, ""), 0);
	assert_int_equal(hrdex_sshsig_sign(&armor, &key, "git", msg, strlen(msg)), 0);
	assert_int_equal(signers_line(&allowed, "achpr", "namespaces=\"git\"", key.pk), 0);
	assert_int_equal(write_text(tmp_path(apath, sizeof(apath), t, "allowed"), allowed.ptr, allowed.len), 0);
	assert_int_equal(write_text(tmp_path(mpath, sizeof(mpath), t, "msg"), msg, strlen(msg)), 0);
	assert_int_equal(write_text(tmp_path(spath, sizeof(spath), t, "msg.sig"), armor.ptr, armor.len), 0);
	assert_int_equal(run("ssh-keygen -Y verify -f '%s' -I achpr -n git -s '%s' < '%s' >/dev/null 2>&1",
			     apath, spath, mpath), 0);
	/* ...and ssh-keygen itself refuses the wrong namespace or principal. */
	assert_int_not_equal(run("ssh-keygen -Y verify -f '%s' -I achpr -n file -s '%s' < '%s' >/dev/null 2>&1",
				 apath, spath, mpath), 0);
	assert_int_not_equal(run("ssh-keygen -Y verify -f '%s' -I iachr -n git -s '%s' < '%s' >/dev/null 2>&1",
				 apath, spath, mpath), 0);
	hrdex_buf_free(&allowed);
	hrdex_buf_free(&armor);
	hrdex_key_wipe(&key);
}

/* ssh-keygen signs, hrdex verifies; Ed25519 is deterministic, so hrdex's
 * signature of the same message is the very same text. */
static void test_hrdex_verifies_ssh_keygen(void **state)
{
	struct tmp *t = *state;
	struct hrdex_key key;
	struct hrdex_buf theirs = HRDEX_BUF_INIT, ours = HRDEX_BUF_INIT;
	char kpath[128], mpath[128], spath[128];
	unsigned char signer[32];

	tmp_path(kpath, sizeof(kpath), t, "k");
	assert_int_equal(run("ssh-keygen -q -t ed25519 -N '' -C x -f '%s'", kpath), 0);
	assert_int_equal(hrdex_key_load(&key, kpath), 0);
	assert_int_equal(write_text(tmp_path(mpath, sizeof(mpath), t, "msg"), msg, strlen(msg)), 0);
	assert_int_equal(run("ssh-keygen -q -Y sign -n git -f '%s' '%s' 2>/dev/null", kpath, mpath), 0);
	assert_int_equal(hrdex_fs_read(&theirs, tmp_path(spath, sizeof(spath), t, "msg.sig"), 65536), 0);
	assert_int_equal(hrdex_sshsig_verify(signer, theirs.ptr, theirs.len, "git", msg, strlen(msg)), 0);
	assert_memory_equal(signer, key.pk, 32);
	assert_int_equal(hrdex_sshsig_sign(&ours, &key, "git", msg, strlen(msg)), 0);
	assert_string_equal(ours.ptr, theirs.ptr);
	hrdex_buf_free(&ours);
	hrdex_buf_free(&theirs);
	hrdex_key_wipe(&key);
}

/* Every one-byte change of the message or of the armor is refused. */
static void test_one_byte_mutations_rejected(void **state)
{
	struct hrdex_key key;
	struct hrdex_buf armor = HRDEX_BUF_INIT;
	char m[sizeof(msg)];
	unsigned char signer[32];
	size_t i;

	(void)state;
	assert_int_equal(hrdex_key_generate(&key, ""), 0);
	assert_int_equal(hrdex_sshsig_sign(&armor, &key, "git", msg, strlen(msg)), 0);
	memcpy(m, msg, sizeof(msg));
	for (i = 0; i < strlen(msg); i++) {
		m[i] ^= 1;
		assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", m, strlen(msg)), -1);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
		m[i] ^= 1;
	}
	for (i = 0; i < armor.len; i++) {
		armor.ptr[i] ^= 1;
		assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", msg, strlen(msg)), -1);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_INVALID);
		armor.ptr[i] ^= 1;
	}
	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", msg, strlen(msg)), 0);
	hrdex_buf_free(&armor);
	hrdex_key_wipe(&key);
}

/* Other wrappings of a valid signature: same blob, other text. */
static void test_non_canonical_armor_rejected(void **state)
{
	struct hrdex_key key;
	struct hrdex_buf armor = HRDEX_BUF_INIT, v = HRDEX_BUF_INIT;
	unsigned char signer[32];
	char *nl;

	(void)state;
	assert_int_equal(hrdex_key_generate(&key, ""), 0);
	assert_int_equal(hrdex_sshsig_sign(&armor, &key, "git", msg, strlen(msg)), 0);

	/* CRLF line ends */
	for (nl = armor.ptr; *nl; nl++) {
		if (*nl == '\n')
			hrdex_buf_putc(&v, '\r');
		hrdex_buf_putc(&v, *nl);
	}
	assert_int_equal(hrdex_sshsig_verify(signer, v.ptr, v.len, "git", msg, strlen(msg)), -1);
	assert_non_null(strstr(hrdex_error_message(), "non-canonical signature"));

	/* base64 re-wrapped at 64 characters, or not at all */
	hrdex_buf_clear(&v);
	nl = strchr(armor.ptr + 30, '\n');
	hrdex_buf_put(&v, armor.ptr, 30 + 64);
	hrdex_buf_putc(&v, '\n');
	hrdex_buf_put(&v, armor.ptr + 30 + 64, (size_t)(nl - armor.ptr) - 30 - 64);
	hrdex_buf_puts(&v, nl + 1);
	assert_int_equal(hrdex_sshsig_verify(signer, v.ptr, v.len, "git", msg, strlen(msg)), -1);
	assert_non_null(strstr(hrdex_error_message(), "non-canonical signature"));

	/* a blank line before the end line; text after it */
	hrdex_buf_clear(&v);
	hrdex_buf_put(&v, armor.ptr, armor.len - 28);
	hrdex_buf_puts(&v, "\n-----END SSH SIGNATURE-----\n");
	assert_int_equal(hrdex_sshsig_verify(signer, v.ptr, v.len, "git", msg, strlen(msg)), -1);
	hrdex_buf_clear(&v);
	hrdex_buf_put(&v, armor.ptr, armor.len);
	hrdex_buf_puts(&v, "x");
	assert_int_equal(hrdex_sshsig_verify(signer, v.ptr, v.len, "git", msg, strlen(msg)), -1);
	hrdex_buf_free(&v);
	hrdex_buf_free(&armor);
	hrdex_key_wipe(&key);
}

/* Crafted blobs that ssh-keygen accepts (or could) but hrdex must not. */
static void test_crafted_signatures_rejected(void **state)
{
	struct tmp *t = *state;
	struct hrdex_key key;
	struct hrdex_buf armor = HRDEX_BUF_INIT, allowed = HRDEX_BUF_INIT;
	struct craft c = { "git", "", "sha512", "ssh-ed25519", NULL };
	char apath[128], mpath[128], spath[128];
	unsigned char signer[32];

	assert_int_equal(hrdex_key_generate(&key, ""), 0);
	assert_int_equal(signers_line(&allowed, "achpr", NULL, key.pk), 0);
	assert_int_equal(write_text(tmp_path(apath, sizeof(apath), t, "allowed"), allowed.ptr, allowed.len), 0);
	assert_int_equal(write_text(tmp_path(mpath, sizeof(mpath), t, "msg"), msg, strlen(msg)), 0);
	tmp_path(spath, sizeof(spath), t, "msg.sig");

	/* The crafting itself is right: the plain craft verifies everywhere. */
	craft_sshsig(&armor, &key, &c, msg, strlen(msg));
	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", msg, strlen(msg)), 0);

	/* reserved "x": still a valid OpenSSH signature, with another text */
	c.reserved = "x";
	hrdex_buf_clear(&armor);
	craft_sshsig(&armor, &key, &c, msg, strlen(msg));
	assert_int_equal(write_text(spath, armor.ptr, armor.len), 0);
	assert_int_equal(run("ssh-keygen -Y verify -f '%s' -I achpr -n git -s '%s' < '%s' >/dev/null 2>&1",
			     apath, spath, mpath), 0);
	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", msg, strlen(msg)), -1);
	assert_string_equal(hrdex_error_message(), "non-canonical signature (reserved field not empty)");
	c.reserved = "";

	/* sha256: OpenSSH allows it, hrdex does not */
	c.hash = "sha256";
	hrdex_buf_clear(&armor);
	craft_sshsig(&armor, &key, &c, msg, strlen(msg));
	assert_int_equal(write_text(spath, armor.ptr, armor.len), 0);
	assert_int_equal(run("ssh-keygen -Y verify -f '%s' -I achpr -n git -s '%s' < '%s' >/dev/null 2>&1",
			     apath, spath, mpath), 0);
	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", msg, strlen(msg)), -1);
	assert_string_equal(hrdex_error_message(), "signature hash 'sha256', expected 'sha512'");
	c.hash = "sha512";

	/* namespace "file" */
	c.ns = "file";
	hrdex_buf_clear(&armor);
	craft_sshsig(&armor, &key, &c, msg, strlen(msg));
	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", msg, strlen(msg)), -1);
	assert_string_equal(hrdex_error_message(), "signature namespace 'file', expected 'git'");
	c.ns = "git";

	/* another signature type name; trailing data after the blob */
	c.sig_type = "rsa-sha2-512";
	hrdex_buf_clear(&armor);
	craft_sshsig(&armor, &key, &c, msg, strlen(msg));
	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", msg, strlen(msg)), -1);
	assert_non_null(strstr(hrdex_error_message(), "signature type 'rsa-sha2-512'"));
	c.sig_type = "ssh-ed25519";
	hrdex_buf_clear(&armor);
	c.trailing = "zz";
	craft_sshsig(&armor, &key, &c, msg, strlen(msg));
	assert_int_equal(hrdex_sshsig_verify(signer, armor.ptr, armor.len, "git", msg, strlen(msg)), -1);
	assert_string_equal(hrdex_error_message(), "non-canonical signature (trailing data)");

	hrdex_buf_free(&allowed);
	hrdex_buf_free(&armor);
	hrdex_key_wipe(&key);
}

/* A signature made by an ECDSA key (another key type) is refused. */
static void test_other_key_type_rejected(void **state)
{
	struct tmp *t = *state;
	struct hrdex_buf sig = HRDEX_BUF_INIT;
	char kpath[128], mpath[128], spath[128];
	unsigned char signer[32];

	tmp_path(kpath, sizeof(kpath), t, "ec");
	assert_int_equal(run("ssh-keygen -q -t ecdsa -N '' -C x -f '%s'", kpath), 0);
	assert_int_equal(write_text(tmp_path(mpath, sizeof(mpath), t, "msg"), msg, strlen(msg)), 0);
	assert_int_equal(run("ssh-keygen -q -Y sign -n git -f '%s' '%s' 2>/dev/null", kpath, mpath), 0);
	assert_int_equal(hrdex_fs_read(&sig, tmp_path(spath, sizeof(spath), t, "msg.sig"), 65536), 0);
	assert_int_equal(hrdex_sshsig_verify(signer, sig.ptr, sig.len, "git", msg, strlen(msg)), -1);
	assert_string_equal(hrdex_error_message(), "signature key type 'ecdsa-sha2-nistp256', expected 'ssh-ed25519'");
	hrdex_buf_free(&sig);
}

/* ---- allowed_signers --------------------------------------------------- */

#define T2020 INT64_C(1577836800)  /* 2020-01-01T00:00:00Z */

static struct hrdex_signers *parse(const char *text)
{
	struct hrdex_signers *s = NULL;

	if (hrdex_signers_parse(&s, text, strlen(text), "allowed_signers") < 0)
		return NULL;
	return s;
}

static void test_signers_principals_and_namespaces(void **state)
{
	struct hrdex_key a, b;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct hrdex_signers *s;

	(void)state;
	assert_int_equal(hrdex_key_generate(&a, ""), 0);
	assert_int_equal(hrdex_key_generate(&b, ""), 0);
	hrdex_buf_puts(&text, "# trusted publishers\n\n   \n  # indented comment\r\n");
	signers_line(&text, "achpr,iachr", "namespaces=\"git,file\"", a.pk);
	signers_line(&text, "\"ohchr\"", "NAMESPACES=\"g?t\"", b.pk);
	hrdex_buf_puts(&text, "other ssh-rsa AAAAB3NzaC1yc2EAAAADAQABAAAAgQC comment\n");
	signers_line(&text, "ecowas", NULL, b.pk);
	hrdex_buf_puts(&text, "  \t");
	s = parse(text.ptr);
	assert_non_null(s);
	assert_int_equal(s->count, 4);
	assert_string_equal(s->items[0].principal, "achpr");
	assert_string_equal(s->items[1].principal, "iachr");
	assert_string_equal(s->items[1].namespaces, "git,file");
	assert_null(s->items[3].namespaces);
	assert_true(s->items[0].valid_after == INT64_MIN && s->items[0].valid_before == INT64_MAX);

	assert_int_equal(hrdex_signers_allow(s, "achpr", a.pk, "git", T2020), 1);
	assert_int_equal(hrdex_signers_allow(s, "iachr", a.pk, "file", T2020), 1);
	assert_int_equal(hrdex_signers_allow(s, "achpr", a.pk, "mail", T2020), 0);
	assert_int_equal(hrdex_signers_check(s, "achpr", a.pk, "mail", T2020), HRDEX_SIGNERS_NAMESPACE);
	assert_int_equal(hrdex_signers_allow(s, "achpr", b.pk, "git", T2020), 0);
	assert_int_equal(hrdex_signers_check(s, "achpr", b.pk, "git", T2020), HRDEX_SIGNERS_UNTRUSTED);
	assert_int_equal(hrdex_signers_allow(s, "ohchr", b.pk, "git", T2020), 1);
	assert_int_equal(hrdex_signers_allow(s, "ohchr", b.pk, "gitx", T2020), 0);
	assert_int_equal(hrdex_signers_allow(s, "ecowas", b.pk, "anything", T2020), 1);
	assert_int_equal(hrdex_signers_allow(s, "other", b.pk, "git", T2020), 0);
	assert_int_equal(hrdex_signers_has(s, "iachr"), 1);
	assert_int_equal(hrdex_signers_has(s, "other"), 0);
	assert_int_equal(hrdex_signers_has(s, "achp"), 0);
	hrdex_signers_free(s);

	/* negated namespace patterns, as OpenSSH's pattern lists */
	hrdex_buf_clear(&text);
	signers_line(&text, "achpr", "namespaces=\"*,!file\"", a.pk);
	s = parse(text.ptr);
	assert_non_null(s);
	assert_int_equal(hrdex_signers_allow(s, "achpr", a.pk, "git", T2020), 1);
	assert_int_equal(hrdex_signers_allow(s, "achpr", a.pk, "file", T2020), 0);
	hrdex_signers_free(s);
	hrdex_buf_free(&text);
	hrdex_key_wipe(&a);
	hrdex_key_wipe(&b);
}

static void test_signers_validity_window(void **state)
{
	struct hrdex_key a;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct hrdex_signers *s;

	(void)state;
	assert_int_equal(hrdex_key_generate(&a, ""), 0);
	signers_line(&text, "achpr", "valid-after=\"20200101Z\",valid-before=\"20201231235959Z\"", a.pk);
	signers_line(&text, "iachr", "namespaces=\"git\",VALID-AFTER=\"202402291230Z\"", a.pk);
	s = parse(text.ptr);
	assert_non_null(s);
	assert_true(s->items[0].valid_after == T2020);
	assert_true(s->items[0].valid_before == INT64_C(1609459199));
	assert_true(s->items[1].valid_after == INT64_C(1709209800)); /* 2024-02-29T12:30Z */
	assert_int_equal(hrdex_signers_allow(s, "achpr", a.pk, "git", T2020 - 1), 0);
	assert_int_equal(hrdex_signers_check(s, "achpr", a.pk, "git", T2020 - 1), HRDEX_SIGNERS_EXPIRED);
	assert_int_equal(hrdex_signers_allow(s, "achpr", a.pk, "git", T2020), 1);
	assert_int_equal(hrdex_signers_allow(s, "achpr", a.pk, "git", INT64_C(1609459199)), 1);
	assert_int_equal(hrdex_signers_allow(s, "achpr", a.pk, "git", INT64_C(1609459200)), 0);
	assert_int_equal(hrdex_signers_allow(s, "iachr", a.pk, "git", INT64_C(1709209799)), 0);
	assert_int_equal(hrdex_signers_allow(s, "iachr", a.pk, "git", INT64_C(1709209800)), 1);
	hrdex_signers_free(s);
	hrdex_buf_free(&text);
	hrdex_key_wipe(&a);
}

static void test_signers_cert_authority_never_trusted(void **state)
{
	struct hrdex_key a;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct hrdex_signers *s;

	(void)state;
	assert_int_equal(hrdex_key_generate(&a, ""), 0);
	signers_line(&text, "achpr", "cert-authority,namespaces=\"git\"", a.pk);
	s = parse(text.ptr);
	assert_non_null(s);
	assert_int_equal(s->count, 1);
	assert_int_equal(s->items[0].cert_authority, 1);
	assert_int_equal(hrdex_signers_allow(s, "achpr", a.pk, "git", T2020), 0);
	assert_int_equal(hrdex_signers_has(s, "achpr"), 0);
	hrdex_signers_free(s);
	hrdex_buf_free(&text);
	hrdex_key_wipe(&a);
}

static void test_signers_refuses_bad_lines(void **state)
{
	static const char *const bad_options[] = {
		"namespaces=git",                  /* values are quoted */
		"namespaces=\"git",                /* unterminated */
		"namespaces=\"git\",namespaces=\"file\"",
		"valid-after=\"2020\"",
		"valid-after=\"20201301Z\"",       /* month 13 */
		"valid-after=\"20230229Z\"",       /* not a leap year */
		"valid-after=\"20200101X\"",
		"no-touch-required",               /* unknown option */
		"cert-authority,",
	};
	struct hrdex_key a;
	struct hrdex_buf text = HRDEX_BUF_INIT;
	struct hrdex_signers *s = NULL;
	size_t i;

	(void)state;
	assert_int_equal(hrdex_key_generate(&a, ""), 0);
	for (i = 0; i < sizeof(bad_options) / sizeof(bad_options[0]); i++) {
		hrdex_buf_clear(&text);
		hrdex_buf_puts(&text, "# first\n");
		signers_line(&text, "achpr", bad_options[i], a.pk);
		assert_int_equal(hrdex_signers_parse(&s, text.ptr, text.len, "allowed_signers"), -1);
		assert_null(s);
		assert_int_equal(hrdex_error_kind(), HRDEX_E_CONFIG);
		assert_int_equal(strncmp(hrdex_error_message(), "allowed_signers:2: ", 19), 0);
	}
	/* principal patterns are refused, not guessed at */
	hrdex_buf_clear(&text);
	signers_line(&text, "*", NULL, a.pk);
	assert_int_equal(hrdex_signers_parse(&s, text.ptr, text.len, "f"), -1);
	assert_non_null(strstr(hrdex_error_message(), "patterns are not supported"));
	hrdex_buf_clear(&text);
	signers_line(&text, "achpr,", NULL, a.pk);
	assert_int_equal(hrdex_signers_parse(&s, text.ptr, text.len, "f"), -1);
	/* no key, a broken key */
	assert_int_equal(hrdex_signers_parse(&s, "achpr\n", 6, "f"), -1);
	assert_int_equal(hrdex_signers_parse(&s, "achpr ssh-ed25519 AAAA\n", 23, "f"), -1);
	assert_string_equal(hrdex_error_message(), "f:1: malformed public key");
	hrdex_buf_free(&text);
	hrdex_key_wipe(&a);
}

static void test_signers_load_missing_is_empty(void **state)
{
	struct tmp *t = *state;
	struct hrdex_signers *s = NULL;
	char path[128];

	assert_int_equal(hrdex_signers_load(&s, tmp_path(path, sizeof(path), t, "none")), 0);
	assert_non_null(s);
	assert_int_equal(s->count, 0);
	assert_int_equal(hrdex_signers_has(s, "achpr"), 0);
	hrdex_signers_free(s);
}

/* trust remove: the publisher leaves every line, lists and quoted lists
 * included; a line with nobody left goes; everything else stays as written. */
static void test_signers_drop_every_line(void **state)
{
	const char *text =
		"# trusted publishers\n"
		"achpr namespaces=\"git\" ssh-ed25519 AAAAkeyA achpr\n"
		"iachr,achpr ssh-ed25519 AAAAkeyB shared\n"
		"\"achpr,ohchr,achpr\" namespaces=\"git\" ssh-ed25519 AAAAkeyC\n"
		"  achpr-2,xachpr ssh-ed25519 AAAAkeyD\n"
		"\"achpr\" ssh-ed25519 AAAAkeyE\n"
		"\n"
		"ohchr ssh-ed25519 AAAAkeyF";
	const char *want =
		"# trusted publishers\n"
		"iachr ssh-ed25519 AAAAkeyB shared\n"
		"\"ohchr\" namespaces=\"git\" ssh-ed25519 AAAAkeyC\n"
		"  achpr-2,xachpr ssh-ed25519 AAAAkeyD\n"
		"\n"
		"ohchr ssh-ed25519 AAAAkeyF\n";
	struct hrdex_buf out = HRDEX_BUF_INIT;
	size_t removed = 0;

	(void)state;
	assert_int_equal(hrdex_signers_drop(&out, text, strlen(text), "achpr", &removed), 0);
	assert_string_equal(out.ptr, want);
	assert_int_equal(removed, 4);
	hrdex_buf_clear(&out);
	assert_int_equal(hrdex_signers_drop(&out, text, strlen(text), "nobody", &removed), 0);
	assert_int_equal(removed, 0);
	assert_int_equal(out.len, strlen(text) + 1); /* the same, with a final newline */
	hrdex_buf_free(&out);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_key_generate_save_load, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_load_from_ssh_keygen, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_load_refuses_encrypted, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_load_refuses_other_types_and_garbage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_key_load_refuses_mutations, setup, teardown),
		cmocka_unit_test(test_public_line_parse),
		cmocka_unit_test(test_sign_verify_round_trip),
		cmocka_unit_test_setup_teardown(test_ssh_keygen_verifies_hrdex, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hrdex_verifies_ssh_keygen, setup, teardown),
		cmocka_unit_test(test_one_byte_mutations_rejected),
		cmocka_unit_test(test_non_canonical_armor_rejected),
		cmocka_unit_test_setup_teardown(test_crafted_signatures_rejected, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_key_type_rejected, setup, teardown),
		cmocka_unit_test(test_signers_principals_and_namespaces),
		cmocka_unit_test(test_signers_validity_window),
		cmocka_unit_test(test_signers_cert_authority_never_trusted),
		cmocka_unit_test(test_signers_refuses_bad_lines),
		cmocka_unit_test_setup_teardown(test_signers_load_missing_is_empty, setup, teardown),
		cmocka_unit_test(test_signers_drop_every_line),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
