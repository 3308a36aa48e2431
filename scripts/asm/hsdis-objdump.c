/*
 * A minimal hsdis plugin for HotSpot's -XX:+PrintAssembly that hands the code bytes to binutils' objdump.
 * Why: the JDK ships no disassembler, Debian's libhsdis0-fcml only has the pre-JDK-9 entry point, and
 * capstone 4 (Debian 12) cannot decode many AVX-512 (EVEX) instructions that C2 emits on AVX-512 machines.
 * Diagnostics only: built by kernel-asm.sh into target/, never part of the product.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef int (*printf_callback)(void *, const char *, ...);
typedef void *(*event_callback)(void *, const char *, void *);

/* The entry point HotSpot (JDK 9+) looks up: disassemble [start_va, end_va), whose bytes are in buffer. */
void *decode_instructions_virtual(uintptr_t start_va, uintptr_t end_va, unsigned char *buffer, uintptr_t length,
                                  event_callback event, void *event_stream, printf_callback print, void *print_stream,
                                  const char *options, int newline) {
    (void) options;
    char path[64];
    snprintf(path, sizeof path, "/tmp/hsdis-objdump.%d.bin", (int) getpid());
    FILE *bytes = fopen(path, "wb");
    if (bytes == NULL) return NULL;
    fwrite(buffer, 1, length, bytes);
    fclose(bytes);
    char command[256];
    snprintf(command, sizeof command,
             "objdump -D -b binary -m i386:x86-64 -M intel --no-show-raw-insn --adjust-vma=0x%lx %s",
             (unsigned long) start_va, path);
    FILE *listing = popen(command, "r");
    if (listing == NULL) return NULL;
    char line[512];
    while (fgets(line, sizeof line, listing)) {
        unsigned long address;
        char *colon = strchr(line, ':');
        /* objdump's header lines have no "address:" prefix inside the range: skip them */
        if (colon == NULL || sscanf(line, " %lx:", &address) != 1 || address < start_va || address >= end_va) continue;
        char *text = colon + 1;
        while (*text == ' ' || *text == '\t') text++;
        text[strcspn(text, "\n")] = 0;
        if (event) event(event_stream, "insn", (void *) address);
        print(print_stream, "%s", text);
        if (event) event(event_stream, "/insn", (void *) address);
        if (newline) print(print_stream, "\n");
    }
    pclose(listing);
    unlink(path);
    return (void *) end_va;
}
