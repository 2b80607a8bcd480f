package com.redhat.das.api.mig;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Turns {@code mig-catalog.json} into records. Kept apart from the records so that they carry no JSON binding and
 * can be built from NVML data just as well.
 *
 * <p>Format: an object keyed by model name; each model has {@code totalMemorySlices}, {@code totalComputeSlices},
 * {@code maxGpuInstances}, {@code documentedInMigUserGuide} and {@code profiles}. Other fields (sources, notes,
 * driver versions) are documentation and are ignored here.
 */
final class MigCatalogReader {

    private static final ObjectMapper MAPPER = new ObjectMapper();

    private MigCatalogReader() {
    }

    static MigCatalog read(InputStream in) throws IOException {
        JsonNode root = MAPPER.readTree(in);
        if (root == null || !root.isObject()) {
            throw new IOException("MIG catalog must be a JSON object keyed by GPU model name");
        }
        List<GpuModel> models = new ArrayList<>();
        for (Map.Entry<String, JsonNode> entry : root.properties()) {
            models.add(model(entry.getKey(), entry.getValue()));
        }
        return new MigCatalog(models);
    }

    private static GpuModel model(String name, JsonNode node) throws IOException {
        JsonNode profilesNode = required(node, "profiles", name);
        if (!profilesNode.isArray()) {
            throw new IOException(name + ": 'profiles' must be an array");
        }
        List<MigProfile> profiles = new ArrayList<>();
        for (JsonNode profileNode : profilesNode) {
            profiles.add(profile(name, profileNode));
        }
        try {
            return new GpuModel(
                    name,
                    intField(node, "totalMemorySlices", name),
                    intField(node, "totalComputeSlices", name),
                    intField(node, "maxGpuInstances", name),
                    profiles,
                    booleanField(node, "documentedInMigUserGuide", name));
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid MIG catalog model " + name + ": " + e.getMessage(), e);
        }
    }

    private static MigProfile profile(String modelName, JsonNode node) throws IOException {
        String where = modelName + " profile " + node.path("name").asText("?");
        try {
            return new MigProfile(
                    textField(node, "name", where),
                    intField(node, "giProfileId", where),
                    new NvmlConstant(textField(node, "nvmlGiConstant", where),
                            intField(node, "nvmlGiConstantValue", where)),
                    new NvmlConstant(textField(node, "ciProfileConstant", where),
                            intField(node, "ciProfileConstantValue", where)),
                    intField(node, "computeSlices", where),
                    intField(node, "memorySlices", where),
                    intList(required(node, "starts", where), where),
                    intField(node, "maxInstances", where),
                    booleanField(node, "mediaExtensions", where),
                    booleanField(node, "documented", where),
                    textList(node.path("inferred"), where),
                    optionalLong(node, "memoryMiB", where),
                    optionalLong(node, "observedMemoryMiB", where));
        } catch (IllegalArgumentException e) {
            throw new IOException("invalid MIG catalog entry " + where + ": " + e.getMessage(), e);
        }
    }

    private static JsonNode required(JsonNode node, String field, String where) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            throw new IOException(where + ": missing field '" + field + "'");
        }
        return value;
    }

    private static int intField(JsonNode node, String field, String where) throws IOException {
        JsonNode value = required(node, field, where);
        if (!value.isInt()) {
            throw new IOException(where + ": '" + field + "' must be an integer, got " + value);
        }
        return value.intValue();
    }

    private static boolean booleanField(JsonNode node, String field, String where) throws IOException {
        JsonNode value = required(node, field, where);
        if (!value.isBoolean()) {
            throw new IOException(where + ": '" + field + "' must be true or false, got " + value);
        }
        return value.booleanValue();
    }

    private static String textField(JsonNode node, String field, String where) throws IOException {
        JsonNode value = required(node, field, where);
        if (!value.isTextual()) {
            throw new IOException(where + ": '" + field + "' must be a string, got " + value);
        }
        return value.textValue();
    }

    private static Long optionalLong(JsonNode node, String field, String where) throws IOException {
        JsonNode value = node.get(field);
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isIntegralNumber()) {
            throw new IOException(where + ": '" + field + "' must be an integer or null, got " + value);
        }
        return value.longValue();
    }

    private static List<Integer> intList(JsonNode array, String where) throws IOException {
        if (!array.isArray()) {
            throw new IOException(where + ": expected an array of integers, got " + array);
        }
        List<Integer> result = new ArrayList<>();
        for (JsonNode item : array) {
            if (!item.isInt()) {
                throw new IOException(where + ": expected an integer, got " + item);
            }
            result.add(item.intValue());
        }
        return result;
    }

    private static List<String> textList(JsonNode array, String where) throws IOException {
        if (array.isMissingNode() || array.isNull()) {
            return List.of();
        }
        if (!array.isArray()) {
            throw new IOException(where + ": 'inferred' must be an array of field names, got " + array);
        }
        List<String> result = new ArrayList<>();
        for (JsonNode item : array) {
            result.add(item.asText());
        }
        return result;
    }
}
