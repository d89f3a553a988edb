/*
 * fuzz_sshsig.c - SSHSIG verification, allowed_signers and public key lines.
 *
 * The first input byte picks what the rest is (byte % 4):
 *   0  an armored signature, verified over a fixed message in namespace
 *      "git" (the text a relay could hand us);
 *   1  a raw SSHSIG blob, armored as ssh-keygen would and then verified, so
 *      that the fuzzer reaches the blob parser without having to find base64;
 *   2  allowed_signers text, for hrdex_signers_parse() and _check();
 *   3  a public key line, for hrdex_key_parse_public().
 * Invariants: verification never accepts anything but the one genuine
 * signature, byte for byte (made at start-up with a key from a fixed seed;
 * Ed25519 signing is deterministic), and then names the right signer.  (Its
 * seeds hold no valid signature by any other key, so the fuzzer could only
 * get one accepted by forging it.)
 * a parsed allowed_signers file never holds a pattern principal, and its
 * verdicts agree with its entries; a public key line that parses writes
 * back to a line that parses to the same key.
 *
 * HRDEX_FUZZ_SEEDS=DIR makes start-up also write the key, message, genuine
 * signature and its blob to DIR (tests/fuzz/make-seeds.sh uses them).
 */
#include "fuzz.h"
#include "buf.h"
#include "fs.h"
#include "key.h"
#include "signers.h"
#include "sshsig.h"

#include <string.h>
#include <time.h>

#include <sodium.h>

#define NAMESPACE "git"

static const char message[] =
	"tree 4b825dc642cb6eb9a060e54bf8d69288fbe4904b\n"
	"author achpr <achpr@hrdex> 1700000000 +0000\n"
	"committer achpr <achpr@hrdex> 1700000000 +0000\n"
	"\n"
	"publish achpr/decision/res-345-lviii-2016\n";

static struct hrdex_key key;
static struct hrdex_buf genuine = HRDEX_BUF_INIT;       /* the armor */
static unsigned char *genuine_blob;
static size_t genuine_blob_len;

static void write_seed(const char *dir, const char *name, const void *data, size_t len)
{
	char path[4096];

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	FUZZ_SETUP(hrdex_fs_write_atomic(path, data, len, 0600));
}

int LLVMFuzzerInitialize(int *argc, char ***argv)
{
	unsigned char seed[crypto_sign_SEEDBYTES], signer[32];
	const char *dir = getenv("HRDEX_FUZZ_SEEDS");
	struct hrdex_buf b64 = HRDEX_BUF_INIT, line = HRDEX_BUF_INIT;
	size_t i, max;

	(void)argc;
	(void)argv;
	FUZZ_SETUP(sodium_init() < 0 ? -1 : 0);
	for (i = 0; i < sizeof(seed); i++)
		seed[i] = (unsigned char)(i * 7 + 1);
	crypto_sign_seed_keypair(key.pk, key.sk, seed);
	snprintf(key.comment, sizeof(key.comment), "fuzz");
	FUZZ_SETUP(hrdex_sshsig_sign(&genuine, &key, NAMESPACE, message, strlen(message)));
	FUZZ_SETUP(hrdex_sshsig_verify(signer, genuine.ptr, genuine.len, NAMESPACE, message,
				       strlen(message)));
	FUZZ_CHECK(!memcmp(signer, key.pk, 32), "the genuine signature names its key");

	/* The blob: the armor's base64 lines, joined and decoded. */
	for (i = strlen("-----BEGIN SSH SIGNATURE-----\n");
	     i < genuine.len - strlen("-----END SSH SIGNATURE-----\n"); i++)
		if (genuine.ptr[i] != '\n')
			FUZZ_SETUP(hrdex_buf_putc(&b64, genuine.ptr[i]));
	max = b64.len;
	genuine_blob = malloc(max);
	FUZZ_CHECK(genuine_blob != NULL, "out of memory");
	FUZZ_SETUP(sodium_base642bin(genuine_blob, max, b64.ptr, b64.len, NULL, &genuine_blob_len,
				     NULL, sodium_base64_VARIANT_ORIGINAL));
	if (dir) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/id_ed25519", dir);
		FUZZ_SETUP(hrdex_key_save(&key, path));
		write_seed(dir, "message", message, strlen(message));
		write_seed(dir, "genuine.sig", genuine.ptr, genuine.len);
		write_seed(dir, "genuine.blob", genuine_blob, genuine_blob_len);
		FUZZ_SETUP(hrdex_key_public_line(&line, key.pk, NULL));
		write_seed(dir, "genuine.pub", line.ptr, line.len);
	}
	hrdex_buf_free(&line);
	hrdex_buf_free(&b64);
	return 0;
}

static void check_verify(const char *armor, size_t len)
{
	unsigned char signer[32];
	int genuine_text = len == genuine.len && !memcmp(armor, genuine.ptr, len);

	memset(signer, 0, sizeof(signer));
	if (hrdex_sshsig_verify(signer, armor, len, NAMESPACE, message, strlen(message)) == 0) {
		FUZZ_CHECK(!memcmp(signer, key.pk, 32), "verification accepted a forged signature");
		FUZZ_CHECK(genuine_text, "verification accepted a signature other than the genuine one");
	} else {
		FUZZ_CHECK(!genuine_text, "verification refused the genuine signature");
		FUZZ_CHECK(hrdex_error_kind() == HRDEX_E_INVALID, "a refused signature is a data error");
	}
}

/* Armor blob as ssh-keygen does: BEGIN line, base64 in lines of 70, END line. */
static void verify_blob(const uint8_t *blob, size_t len)
{
	struct hrdex_buf armor = HRDEX_BUF_INIT;
	size_t n = sodium_base64_ENCODED_LEN(len, sodium_base64_VARIANT_ORIGINAL), i;
	char *b64 = malloc(n);

	FUZZ_CHECK(b64 != NULL, "out of memory");
	sodium_bin2base64(b64, n, blob, len, sodium_base64_VARIANT_ORIGINAL);
	FUZZ_SETUP(hrdex_buf_puts(&armor, "-----BEGIN SSH SIGNATURE-----\n"));
	for (i = 0; i < n - 1; i += 70) {
		FUZZ_SETUP(hrdex_buf_put(&armor, b64 + i, n - 1 - i < 70 ? n - 1 - i : 70));
		FUZZ_SETUP(hrdex_buf_putc(&armor, '\n'));
	}
	FUZZ_SETUP(hrdex_buf_puts(&armor, "-----END SSH SIGNATURE-----\n"));
	check_verify(armor.ptr, armor.len);
	FUZZ_CHECK((len == genuine_blob_len && !memcmp(blob, genuine_blob, len)) ==
			   (armor.len == genuine.len && !memcmp(armor.ptr, genuine.ptr, genuine.len)),
		   "one blob has one armor");
	hrdex_buf_free(&armor);
	free(b64);
}

static void check_signers(const char *text, size_t len)
{
	static const unsigned char stranger[32] = { 0xee, 0xee, 0xee, 0xee };
	struct hrdex_signers *s = NULL;
	int64_t now = (int64_t)time(NULL);
	size_t i, j;

	if (hrdex_signers_parse(&s, text, len, "fuzz") < 0) {
		FUZZ_CHECK(s == NULL, "a failed parse leaves *out NULL");
		FUZZ_CHECK(hrdex_error_kind() == HRDEX_E_CONFIG, "a refused file is a config error");
		return;
	}
	for (i = 0; i < s->count; i++) {
		const struct hrdex_signer *e = &s->items[i];
		int verdict, backed = 0;

		FUZZ_CHECK(e->principal[0] && !strpbrk(e->principal, "*?!,"),
			   "a principal is one exact name");
		verdict = hrdex_signers_check(s, e->principal, e->pk, NAMESPACE, now);
		for (j = 0; j < s->count; j++) {
			const struct hrdex_signer *f = &s->items[j];

			if (!strcmp(f->principal, e->principal) && !memcmp(f->pk, e->pk, 32) &&
			    !f->cert_authority && f->valid_after <= now && now <= f->valid_before)
				backed = 1;
		}
		FUZZ_CHECK(verdict != HRDEX_SIGNERS_OK || backed,
			   "only a plain entry valid now allows a key");
		FUZZ_CHECK(verdict != HRDEX_SIGNERS_UNTRUSTED || e->cert_authority,
			   "an entry's own key is never unknown");
		FUZZ_CHECK(hrdex_signers_allow(s, e->principal, e->pk, NAMESPACE, now) ==
				   (verdict == HRDEX_SIGNERS_OK),
			   "allow agrees with check");
		FUZZ_CHECK(e->cert_authority || hrdex_signers_has(s, e->principal),
			   "a principal with a plain entry has one");
	}
	for (i = 0; i < s->count; i++)
		if (!memcmp(s->items[i].pk, stranger, 32))
			break;
	if (i == s->count && s->count)
		FUZZ_CHECK(hrdex_signers_check(s, s->items[0].principal, stranger, NAMESPACE, now) ==
				   HRDEX_SIGNERS_UNTRUSTED,
			   "a key in no entry is untrusted");
	hrdex_signers_free(s);
}

static void check_public(const char *text, size_t len)
{
	struct hrdex_buf line = HRDEX_BUF_INIT;
	unsigned char pk[32], pk2[32];
	char *copy = malloc(len + 1);

	FUZZ_CHECK(copy != NULL, "out of memory");
	memcpy(copy, text, len);
	copy[len] = '\0';
	if (hrdex_key_parse_public(pk, copy) == 0) {
		FUZZ_SETUP(hrdex_key_public_line(&line, pk, "comment"));
		FUZZ_CHECK(hrdex_key_parse_public(pk2, line.ptr) == 0 && !memcmp(pk, pk2, 32),
			   "a key line written back parses to the same key");
	}
	hrdex_buf_free(&line);
	free(copy);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *text = (const char *)data + 1;

	if (size < 1 || size > 65536)
		return 0;
	switch (data[0] % 4) {
	case 0:
		check_verify(text, size - 1);
		break;
	case 1:
		verify_blob(data + 1, size - 1);
		break;
	case 2:
		check_signers(text, size - 1);
		break;
	default:
		check_public(text, size - 1);
		break;
	}
	hrdex_error_clear();
	return 0;
}
