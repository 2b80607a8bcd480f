package com.redhat.das.benchmarks.simulation;

import com.redhat.das.api.mig.MigProfile;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.Reader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Reads a user's trace from CSV, so a real workload can be replayed.
 *
 * <p>Format: a header line naming the columns, then one pod per line. Columns (any order, others ignored):
 * <ul>
 *   <li>{@code arrival_s}: seconds since any fixed origin;</li>
 *   <li>{@code duration_s}: seconds the slice is held, positive;</li>
 *   <li>{@code profile}: a MIG profile name of the cluster's model, e.g. {@code 3g.20gb}; or</li>
 *   <li>{@code gpu_fraction}: the share of a GPU's compute the pod needs, in (0, 1], mapped to the smallest profile
 *       whose compute share covers it ({@link ClusterSpec#profileCovering}).</li>
 * </ul>
 * When both {@code profile} and {@code gpu_fraction} are present, a non-empty {@code profile} wins on its line. Blank
 * lines and lines starting with {@code #} are skipped. Fields are plain (no quoting): profile names have no commas.
 */
public final class TraceCsv {

    private TraceCsv() {
    }

    public static Trace read(Path file, ClusterSpec cluster) throws IOException {
        try (Reader in = Files.newBufferedReader(file, StandardCharsets.UTF_8)) {
            return read(in, file.getFileName().toString().replaceFirst("\\.csv$", ""), cluster);
        }
    }

    /**
     * @throws IllegalArgumentException naming the line of the first malformed row
     */
    public static Trace read(Reader reader, String name, ClusterSpec cluster) throws IOException {
        BufferedReader in = reader instanceof BufferedReader b ? b : new BufferedReader(reader);
        Map<String, Integer> columns = null;
        List<Request> requests = new ArrayList<>();
        int lineNumber = 0;
        for (String line = in.readLine(); line != null; line = in.readLine()) {
            lineNumber++;
            String trimmed = line.strip();
            if (trimmed.isEmpty() || trimmed.startsWith("#")) {
                continue;
            }
            String[] fields = trimmed.split(",", -1);
            if (columns == null) {
                columns = header(fields, lineNumber);
                continue;
            }
            try {
                requests.add(row(fields, columns, requests.size(), cluster));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(name + ", line " + lineNumber + ": " + e.getMessage(), e);
            }
        }
        if (requests.isEmpty()) {
            throw new IllegalArgumentException(name + ": no requests (a header and at least one row are needed)");
        }
        return new Trace(name, requests);
    }

    private static Map<String, Integer> header(String[] fields, int lineNumber) {
        Map<String, Integer> columns = new HashMap<>();
        for (int i = 0; i < fields.length; i++) {
            columns.put(fields[i].strip().toLowerCase(Locale.ROOT), i);
        }
        if (!columns.containsKey("arrival_s") || !columns.containsKey("duration_s")
                || !(columns.containsKey("profile") || columns.containsKey("gpu_fraction"))) {
            throw new IllegalArgumentException("line " + lineNumber + ": the header must name arrival_s, duration_s and "
                    + "profile or gpu_fraction; found " + List.of(fields));
        }
        return columns;
    }

    private static Request row(String[] fields, Map<String, Integer> columns, int id, ClusterSpec cluster) {
        double arrival = number(fields, columns, "arrival_s");
        double duration = number(fields, columns, "duration_s");
        String profileName = text(fields, columns, "profile");
        MigProfile profile;
        if (!profileName.isEmpty()) {
            profile = cluster.model().profile(profileName).orElseThrow(() -> new IllegalArgumentException(
                    cluster.model().name() + " has no profile " + profileName + "; it has " + cluster.model().profileNames()));
        } else if (!text(fields, columns, "gpu_fraction").isEmpty()) {
            profile = cluster.profileCovering(number(fields, columns, "gpu_fraction"));
        } else {
            throw new IllegalArgumentException("neither profile nor gpu_fraction is given");
        }
        return new Request(id, arrival, duration, profile.name());
    }

    private static String text(String[] fields, Map<String, Integer> columns, String column) {
        Integer i = columns.get(column);
        return i == null || i >= fields.length ? "" : fields[i].strip();
    }

    private static double number(String[] fields, Map<String, Integer> columns, String column) {
        String value = text(fields, columns, column);
        try {
            return Double.parseDouble(value);
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(column + " '" + value + "' is not a number", e);
        }
    }
}
