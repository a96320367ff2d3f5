package dev.aviary.shadow.v2;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.aviary.shadow.Answers;
import dev.aviary.shadow.ReplayException;

import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * One Open Inference Protocol tensor ({@code request_input} or {@code response_output}): its name, shape, datatype
 * and elements in row-major order. The spec lets {@code data} be nested in the tensor's natural shape or flat
 * (inference_rest.md, "Tensor Data"); here it is always flat.
 */
record Tensor(String name, long[] shape, String datatype, List<JsonNode> data) {

    /** The "Tensor Data Types" table of inference_rest.md. */
    static final Set<String> DATATYPES = Set.of("BOOL", "UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32",
            "INT64", "FP16", "FP32", "FP64", "BYTES");
    /** Whether one instance of a {@code per}-element tensor may be a class index rather than a value. */
    static final Set<String> INTEGRAL = Set.of("UINT8", "UINT16", "UINT32", "UINT64", "INT8", "INT16", "INT32", "INT64");

    boolean numeric() {
        return !datatype.equals("BYTES") && !datatype.equals("BOOL");
    }

    /** The batch size: the first dimension (1 for a scalar tensor). */
    long batch() {
        return shape.length == 0 ? 1 : shape[0];
    }

    /** Elements per instance: the product of the dimensions after the first. */
    long perInstance() {
        long n = 1;
        for (int i = 1; i < shape.length; i++) n *= shape[i];
        return n;
    }

    boolean sameShape(Tensor other) {
        return java.util.Arrays.equals(shape, other.shape);
    }

    /** One {@code response_output}, checked: what the protocol promises, or Malformed naming what is wrong. */
    static Tensor output(JsonNode o, int index) throws ReplayException.Malformed {
        String where = "outputs[" + index + "]";
        if (!o.isObject()) throw new ReplayException.Malformed(where + ": expected an output tensor object, found " + Answers.show(o));
        JsonNode name = o.get("name");
        if (name == null || !name.isTextual()) throw new ReplayException.Malformed(where + ": no \"name\" string; found " + Answers.keys(o));
        where = "output " + Answers.show(name);
        JsonNode datatype = o.get("datatype");
        if (datatype == null || !DATATYPES.contains(datatype.asText())) {
            throw new ReplayException.Malformed(where + ": datatype " + Answers.show(datatype) + " is not one of the protocol's " + DATATYPES.stream().sorted().toList());
        }
        JsonNode shape = o.get("shape");
        if (shape == null || !shape.isArray()) throw new ReplayException.Malformed(where + ": expected \"shape\" as an array of sizes, found " + Answers.show(shape));
        long[] dims = new long[shape.size()];
        long count = 1;
        for (int i = 0; i < dims.length; i++) {
            JsonNode d = shape.get(i);
            if (!d.canConvertToLong() || !d.isIntegralNumber() || d.asLong() < 0) {
                throw new ReplayException.Malformed(where + ": shape " + Answers.show(shape) + " holds " + Answers.show(d) + ", not a size");
            }
            dims[i] = d.asLong();
            try {
                count = Math.multiplyExact(count, dims[i]);
            } catch (ArithmeticException e) {
                count = Long.MAX_VALUE;
            }
        }
        JsonNode data = o.get("data");
        if (data == null || !data.isArray()) throw new ReplayException.Malformed(where + ": expected \"data\" as an array, found " + Answers.show(data));
        List<JsonNode> flat = new ArrayList<>();
        flatten(data, flat, where);
        if (flat.size() != count) {
            throw new ReplayException.Malformed(where + ": shape " + Answers.show(shape) + " holds " + (count == Long.MAX_VALUE ? "too many" : count)
                    + " elements but data has " + flat.size());
        }
        String type = datatype.asText();
        for (JsonNode v : flat) {
            boolean fits = switch (type) {
                case "BYTES" -> v.isTextual();
                case "BOOL" -> v.isBoolean();
                default -> v.isNumber();
            };
            if (!fits) throw new ReplayException.Malformed(where + ": a " + type + " tensor holds " + Answers.show(v));
        }
        return new Tensor(name.asText(), dims, type, flat);
    }

    private static void flatten(JsonNode data, List<JsonNode> into, String where) throws ReplayException.Malformed {
        for (JsonNode v : data) {
            if (v.isArray()) flatten(v, into, where);
            else if (v.isValueNode() && !v.isNull()) into.add(v);
            else throw new ReplayException.Malformed(where + ": data holds " + Answers.show(v) + ", not a tensor element");
        }
    }

    /** This tensor as a {@code request_input}. */
    ObjectNode toJson() {
        ObjectNode o = JsonNodeFactory.instance.objectNode();
        o.put("name", name);
        ArrayNode s = o.putArray("shape");
        for (long d : shape) s.add(d);
        o.put("datatype", datatype);
        o.putArray("data").addAll(data);
        return o;
    }
}
