package com.redhat.das.images;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** The ELF header and program header types of an executable: enough to tell a static binary from a dynamic one. */
record Elf(int elfClass, int type, int machine, List<Integer> programHeaderTypes) {

    static final int CLASS_64 = 2;
    static final int MACHINE_X86_64 = 62;
    static final int TYPE_EXEC = 2;
    static final int PT_DYNAMIC = 2;
    static final int PT_INTERP = 3;

    static Elf read(Path file) throws IOException {
        try (FileChannel ch = FileChannel.open(file)) {
            ByteBuffer header = ByteBuffer.allocate(64).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(header, 0);
            header.flip();
            if (header.remaining() < 64 || header.getInt(0) != 0x464c457f) { // \x7fELF
                throw new IOException(file + " is not an ELF file");
            }
            int elfClass = header.get(4);
            if (elfClass != CLASS_64 || header.get(5) != 1) {
                throw new IOException(file + " is not a little-endian 64-bit ELF file");
            }
            int type = Short.toUnsignedInt(header.getShort(16));
            int machine = Short.toUnsignedInt(header.getShort(18));
            long phoff = header.getLong(32);
            int phentsize = Short.toUnsignedInt(header.getShort(54));
            int phnum = Short.toUnsignedInt(header.getShort(56));
            ByteBuffer ph = ByteBuffer.allocate(phentsize * phnum).order(ByteOrder.LITTLE_ENDIAN);
            ch.read(ph, phoff);
            List<Integer> types = new ArrayList<>();
            for (int i = 0; i < phnum; i++) {
                types.add(ph.getInt(i * phentsize));
            }
            return new Elf(elfClass, type, machine, List.copyOf(types));
        }
    }

    /** No program interpreter and no dynamic section: the kernel runs it as is, with no loader or libraries. */
    boolean isStatic() {
        return !programHeaderTypes.contains(PT_INTERP) && !programHeaderTypes.contains(PT_DYNAMIC);
    }
}
