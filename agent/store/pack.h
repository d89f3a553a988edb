/*
 * pack.h - write many new objects as one packfile, fast.
 *
 * Publishing an archive means tens of thousands of new blobs.  As loose
 * objects each costs a file; libgit2's packbuilder would cost a delta search
 * the JSON documents do not need.  This writer deflates objects at the
 * fastest level, undeltified, into a temporary file while they stream by
 * (their number need not be known in advance), then hands the finished pack
 * to libgit2's own indexer (git_odb_write_pack), which checks every object
 * and writes the .pack and .idx.  Until hrdex_pack_commit() nothing is
 * visible to the repository; hrdex_pack_free() discards an unfinished pack.
 */
#ifndef HRDEX_PACK_H
#define HRDEX_PACK_H

#include <stddef.h>
#include <stdint.h>

#include <git2.h>

struct hrdex_pack;

int hrdex_pack_begin(struct hrdex_pack **out, git_repository *repo);
int hrdex_pack_add(struct hrdex_pack *p, git_object_t type, const void *data, size_t len);
uint32_t hrdex_pack_count(const struct hrdex_pack *p);
/* Index the pack into the repository (a pack of no objects is skipped). */
int hrdex_pack_commit(struct hrdex_pack *p);
void hrdex_pack_free(struct hrdex_pack *p);

#endif
