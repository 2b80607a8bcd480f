package com.redhat.das.api.mig;

/**
 * Where a GPU instance sits on a GPU: {@code size} memory slices starting at memory slice {@code start}.
 *
 * <p>This is NVML's {@code nvmlGpuInstancePlacement_t}; {@code size} is the profile's memory-slice count, not its
 * compute-slice count (a 3g GPU instance occupies 4 memory slices).
 *
 * @param start first memory slice, from 0
 * @param size  number of memory slices, at least 1
 */
public record Placement(int start, int size) {

    /** Memory slices are tracked as bits of a {@code long}, so a GPU can have at most this many. */
    public static final int MAX_MEMORY_SLICES = Long.SIZE - 1;

    public Placement {
        if (start < 0) {
            throw new IllegalArgumentException("placement start must be >= 0, got " + start);
        }
        if (size < 1) {
            throw new IllegalArgumentException("placement size must be >= 1, got " + size);
        }
        if (start + size > MAX_MEMORY_SLICES) {
            throw new IllegalArgumentException(
                    "placement " + start + "+" + size + " ends beyond memory slice " + MAX_MEMORY_SLICES);
        }
    }

    /** The memory slices covered, one bit per slice (bit {@code i} = memory slice {@code i}). */
    public long mask() {
        return mask(start, size);
    }

    /** First memory slice after this placement. */
    public int end() {
        return start + size;
    }

    public boolean overlaps(Placement other) {
        return start < other.end() && other.start < end();
    }

    static long mask(int start, int size) {
        return ((1L << size) - 1) << start;
    }

    @Override
    public String toString() {
        return size == 1 ? "[" + start + "]" : "[" + start + "-" + (end() - 1) + "]";
    }
}
