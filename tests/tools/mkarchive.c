/*
 * mkarchive.c -- test helper: write the archives sipscan reads, with
 * libarchive, so the tests need no zip, 7z, xz, bzip2 or zstd program.
 *
 *   sipscan-mkarchive FORMAT OUT FILE...
 *
 * FORMAT: zip, 7z, tar, tar.gz, tar.xz, or xz, bz2, zst (one FILE, its
 * bytes compressed alone).  Members are named as the FILE arguments are
 * written, so "logs/fe.log" is a member in a folder.
 */
#include <archive.h>
#include <archive_entry.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

static int add(struct archive *a, const char *path, int raw)
{
	FILE *f = fopen(path, "rb");
	struct stat st;
	char buf[65536];
	size_t n;

	if (!f || stat(path, &st) != 0) {
		fprintf(stderr, "mkarchive: %s: cannot read\n", path);
		return 1;
	}
	if (!raw) {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, path);
		archive_entry_set_size(e, st.st_size);
		archive_entry_set_filetype(e, AE_IFREG);
		archive_entry_set_perm(e, 0644);
		archive_entry_set_mtime(e, 1700000000, 0);
		if (archive_write_header(a, e) != ARCHIVE_OK) {
			fprintf(stderr, "mkarchive: %s\n", archive_error_string(a));
			return 1;
		}
		archive_entry_free(e);
	} else {
		struct archive_entry *e = archive_entry_new();
		archive_entry_set_pathname(e, "data");
		archive_entry_set_filetype(e, AE_IFREG);
		archive_write_header(a, e);
		archive_entry_free(e);
	}
	while ((n = fread(buf, 1, sizeof buf, f)) > 0)
		if (archive_write_data(a, buf, n) < 0) {
			fprintf(stderr, "mkarchive: %s\n", archive_error_string(a));
			return 1;
		}
	fclose(f);
	return 0;
}

int main(int argc, char **argv)
{
	struct archive *a;
	const char *fmt;
	int raw = 0, rc = 0;

	if (argc < 4) {
		fprintf(stderr, "usage: sipscan-mkarchive FORMAT OUT FILE...\n");
		return 2;
	}
	fmt = argv[1];
	a = archive_write_new();
	if (!strcmp(fmt, "zip"))
		archive_write_set_format_zip(a);
	else if (!strcmp(fmt, "7z"))
		archive_write_set_format_7zip(a);
	else if (!strncmp(fmt, "tar", 3)) {
		archive_write_set_format_pax_restricted(a);
		if (!strcmp(fmt, "tar.gz"))
			archive_write_add_filter_gzip(a);
		else if (!strcmp(fmt, "tar.xz"))
			archive_write_add_filter_xz(a);
	} else {
		raw = 1;
		archive_write_set_format_raw(a);
		if (!strcmp(fmt, "xz"))
			archive_write_add_filter_xz(a);
		else if (!strcmp(fmt, "bz2"))
			archive_write_add_filter_bzip2(a);
		else if (!strcmp(fmt, "zst"))
			archive_write_add_filter_zstd(a);
		else {
			fprintf(stderr, "mkarchive: unknown format %s\n", fmt);
			return 2;
		}
	}
	if (archive_write_open_filename(a, argv[2]) != ARCHIVE_OK) {
		fprintf(stderr, "mkarchive: %s\n", archive_error_string(a));
		return 1;
	}
	for (int i = 3; i < argc && !rc; i++)
		rc = add(a, argv[i], raw);
	if (archive_write_close(a) != ARCHIVE_OK) {
		fprintf(stderr, "mkarchive: %s\n", archive_error_string(a));
		rc = 1;
	}
	archive_write_free(a);
	return rc;
}
