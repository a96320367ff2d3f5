package dev.aviary.sandbox.fraud;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aviary.sandbox.fraud.Transaction.BadInput;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The fraud classifier's side of the Open Inference Protocol V2 (REST): its metadata, and an {@code
 * inference_request} read into transactions and predictions written as an {@code inference_response}
 * (shapes from {@code open_inference_rest.yaml}). As MLServer's pandas codec does, each column is one input tensor
 * named after it, shape {@code [n]} or {@code [n, 1]}, data flat or nested row-major: TransactionAmt FP64/FP32 or an
 * integer type, the strings BYTES (an empty string is an unknown mail domain), M1..M3 BYTES "T"/"F" or BOOL. Inputs
 * that are not columns are ignored. The outputs are {@code predict_proba} (FP64, {@code [n, 2]}, columns in {@link
 * FraudModel#LABELS}' order) and {@code label} (BYTES, {@code [n]}); a request's {@code outputs} picks some.
 */
final class OpenInferenceCodec {

    static final String PROBABILITIES = "predict_proba";
    static final String LABEL = "label";
    private static final Set<String> NUMBERS = Set.of("FP16", "FP32", "FP64", "INT8", "INT16", "INT32", "INT64",
            "UINT8", "UINT16", "UINT32", "UINT64");
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private OpenInferenceCodec() {
    }

    /** {@code GET /v2/models/{name}}: the model's name, platform and tensors. */
    static ObjectNode metadata(String modelName, FraudModel model) {
        ObjectNode meta = NODES.objectNode();
        meta.put("name", modelName);
        meta.put("platform", "tribuo_" + model.name());
        ArrayNode inputs = meta.putArray("inputs");
        for (String column : Transaction.COLUMNS) {
            inputs.add(tensor(column, column.equals(Transaction.AMOUNT) ? "FP64" : "BYTES", -1));
        }
        ArrayNode outputs = meta.putArray("outputs");
        outputs.add(tensor(PROBABILITIES, "FP64", -1, FraudModel.LABELS.size()));
        outputs.add(tensor(LABEL, "BYTES", -1));
        return meta;
    }

    /** The transactions an {@code inference_request} carries, row by row. */
    static List<Transaction> transactions(JsonNode request) {
        if (request == null || !request.isObject()) throw new BadInput("the body must be an inference_request object with \"inputs\"");
        JsonNode inputs = request.get("inputs");
        if (inputs == null || !inputs.isArray() || inputs.isEmpty()) {
            throw new BadInput("\"inputs\" must be a non-empty array of tensors, one per column: " + String.join(", ", Transaction.COLUMNS));
        }
        Map<String, List<JsonNode>> columns = new HashMap<>();
        for (JsonNode input : inputs) {
            String name = input.path("name").asText("");
            if (!Transaction.COLUMNS.contains(name)) continue;
            if (columns.put(name, column(input, name)) != null) throw new BadInput("input " + name + " is given twice");
        }
        int rows = -1;
        for (String column : Transaction.COLUMNS) {
            List<JsonNode> values = columns.get(column);
            if (values == null) throw new BadInput("missing input " + column + "; this model's inputs are " + String.join(", ", Transaction.COLUMNS));
            if (rows >= 0 && values.size() != rows) {
                throw new BadInput("input " + column + " has " + values.size() + " rows, the others " + rows + "; every input needs one value per row");
            }
            rows = values.size();
        }
        List<Transaction> transactions = new ArrayList<>(rows);
        for (int i = 0; i < rows; i++) {
            ObjectNode row = NODES.objectNode();
            for (String column : Transaction.COLUMNS) row.set(column, columns.get(column).get(i));
            try {
                transactions.add(Transaction.fromJson(row));
            } catch (BadInput e) {
                throw new BadInput("row " + i + ": " + e.getMessage());
            }
        }
        return transactions;
    }

    /** The outputs a request asks for: both when it names none. */
    static List<String> requestedOutputs(JsonNode request) {
        JsonNode outputs = request.get("outputs");
        if (outputs == null || outputs.isNull()) return List.of(PROBABILITIES, LABEL);
        if (!outputs.isArray()) throw new BadInput("\"outputs\" must be an array of {\"name\": ...}");
        List<String> names = new ArrayList<>();
        for (JsonNode o : outputs) {
            String name = o.path("name").asText("");
            if (!name.equals(PROBABILITIES) && !name.equals(LABEL)) {
                throw new BadInput("unknown output \"" + cap(name) + "\"; this model's outputs are " + PROBABILITIES + " and " + LABEL);
            }
            names.add(name);
        }
        return names;
    }

    /** The {@code inference_response} for {@code verdicts}; {@code id} echoed when the request gave one. */
    static ObjectNode response(String modelName, String id, List<FraudModel.Verdict> verdicts, List<String> outputs) {
        ObjectNode response = NODES.objectNode();
        response.put("model_name", modelName);
        if (id != null) response.put("id", id);
        ArrayNode out = response.putArray("outputs");
        for (String name : outputs) {
            ObjectNode tensor = name.equals(PROBABILITIES)
                    ? tensor(name, "FP64", verdicts.size(), FraudModel.LABELS.size())
                    : tensor(name, "BYTES", verdicts.size());
            ArrayNode data = tensor.putArray("data");
            for (FraudModel.Verdict v : verdicts) {
                if (name.equals(PROBABILITIES)) {
                    for (double p : v.probabilities()) data.add(p);
                } else {
                    data.add(v.label());
                }
            }
            out.add(tensor);
        }
        return response;
    }

    /** One input's values, one per row, checked against its datatype. */
    private static List<JsonNode> column(JsonNode input, String name) {
        String datatype = input.path("datatype").asText("");
        JsonNode shape = input.get("shape");
        if (shape == null || !shape.isArray() || shape.isEmpty() || shape.size() > 2 || (shape.size() == 2 && shape.get(1).asLong(-1) != 1)) {
            throw new BadInput("input " + name + ": shape must be [n] or [n, 1] (one value per row), got " + (shape == null ? "none" : cap(shape.toString())));
        }
        for (JsonNode d : shape) {
            if (!d.canConvertToInt() || d.asInt() < 0) throw new BadInput("input " + name + ": shape must hold non-negative integers, got " + cap(shape.toString()));
        }
        JsonNode data = input.get("data");
        if (data == null || !data.isArray()) throw new BadInput("input " + name + ": \"data\" must be an array");
        List<JsonNode> values = new ArrayList<>();
        flatten(data, values);
        if (values.size() != shape.get(0).asInt()) {
            throw new BadInput("input " + name + ": shape " + shape + " holds " + shape.get(0).asInt() + " values but data has " + values.size());
        }
        boolean numeric = name.equals(Transaction.AMOUNT);
        boolean flag = Transaction.FLAGS.contains(name);
        boolean fits = numeric ? NUMBERS.contains(datatype) : datatype.equals("BYTES") || (flag && datatype.equals("BOOL"));
        if (!fits) {
            throw new BadInput("input " + name + ": datatype " + (datatype.isEmpty() ? "missing" : cap(datatype)) + ", expected "
                    + (numeric ? "FP64 (or another number type)" : flag ? "BYTES (\"T\"/\"F\") or BOOL" : "BYTES"));
        }
        for (JsonNode v : values) {
            boolean ok = numeric ? v.isNumber() : datatype.equals("BOOL") ? v.isBoolean() : v.isTextual();
            if (!ok) throw new BadInput("input " + name + ": a " + datatype + " tensor holds " + Transaction.describe(v));
        }
        return values;
    }

    private static void flatten(JsonNode data, List<JsonNode> into) {
        for (JsonNode v : data) {
            if (v.isArray()) flatten(v, into);
            else into.add(v);
        }
    }

    private static ObjectNode tensor(String name, String datatype, int... shape) {
        ObjectNode t = NODES.objectNode();
        t.put("name", name);
        t.put("datatype", datatype);
        ArrayNode s = t.putArray("shape");
        for (int d : shape) s.add(d);
        return t;
    }

    static String cap(String text) {
        return text.length() > 60 ? text.substring(0, 60) + "..." : text;
    }
}
