/*
 * tests/fuzz/fuzz_sftp.c - libFuzzer target for the SFTP reply parser
 * (engine/sftp_proto.c), the code that reads every byte a server sends.
 * Input: one flag byte (bit 0: check readdir names), then a packet body
 * (type byte onwards). Checks: no crash or over-read (ASan), a parse error
 * always has a message, accepted NAME entries with names checked are
 * plain file names, counts never exceed what the packet can hold.
 *
 * Build and run (clang with libFuzzer):
 *   cmake -S . -B build-fuzz -DCMAKE_C_COMPILER=clang -DDROVER_FUZZ=ON
 *   cmake --build build-fuzz --target fuzz_sftp
 *   cp -r tests/fuzz/corpus/sftp /tmp/corpus-sftp
 *   build-fuzz/tests/fuzz/fuzz_sftp -max_total_time=60 /tmp/corpus-sftp
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "engine/engine_int.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	eng__sftp_msg m;
	eng_sftp_vfs v;
	eng_sftp_limits l;
	char err[200];
	size_t i;
	int names;

	if (size < 1)
		return 0;
	names = data[0] & 1;
	if (eng__sftp_parse(data + 1, size - 1, names, &m, err, sizeof(err)) != 0) {
		if (err[0] == '\0')
			abort();
	} else {
		if (m.nnames > (size - 1) / 12)
			abort();
		for (i = 0; i < m.nnames; i++) {
			if (names && !eng__sftp_name_ok(m.names[i].name, strlen(m.names[i].name)))
				abort();
			if (m.names[i].longname == NULL)
				abort();
		}
		if (m.type == ENG__FXP_HANDLE && (m.handle.len == 0 || m.handle.len > 256))
			abort();
		if (m.data != NULL && (m.data < data + 1 || m.data + m.len > data + size))
			abort();
	}
	eng__sftp_msg_clear(&m);
	(void)eng__sftp_parse_statvfs(data, size, &v);
	(void)eng__sftp_parse_limits(data, size, &l);
	return 0;
}
