/* replay_main.c: run a fuzz target over its corpus without libFuzzer, so `make check`
 * replays every committed input under ASan/UBSan.  usage: replay DIR|FILE... */
#include <dirent.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static unsigned long count;

static int one(const char *path)
{
	static uint8_t buf[1 << 20];
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return perror(path), 1;
	n = read(fd, buf, sizeof buf);
	close(fd);
	if (n < 0)
		return perror(path), 1;
	/* Copy into an exact-size heap block so ASan sees reads past the end. */
	uint8_t *copy = malloc((size_t) n ? (size_t) n : 1);
	memcpy(copy, buf, (size_t) n);
	LLVMFuzzerTestOneInput(copy, (size_t) n);
	free(copy);
	count++;
	return 0;
}

int main(int argc, char **argv)
{
	int bad = 0;
	for (int i = 1; i < argc; i++) {
		struct stat st;
		if (stat(argv[i], &st) == 0 && S_ISDIR(st.st_mode)) {
			DIR *d = opendir(argv[i]);
			struct dirent *de;
			char p[4096];
			while (d && (de = readdir(d))) {
				if (de->d_name[0] == '.')
					continue;
				(void) snprintf(p, sizeof p, "%s/%s", argv[i], de->d_name);
				bad |= one(p);
			}
			if (d)
				closedir(d);
		} else {
			bad |= one(argv[i]);
		}
	}
	printf("%s: replayed %lu inputs\n", argv[0], count);
	return bad;
}
