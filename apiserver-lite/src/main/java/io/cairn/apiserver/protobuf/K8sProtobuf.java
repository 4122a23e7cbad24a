package io.cairn.apiserver.protobuf;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.cairn.apiserver.api.ApiException;
import java.util.List;
import java.util.Locale;

/**
 * Decodes request bodies in Kubernetes' protobuf encoding ({@value #MEDIA_TYPE}) into the JSON wire form the rest of
 * the server works on.
 *
 * <p>Why: since 1.31 (Kubernetes PR 125314) kubectl's typed clients send the bodies of {@code kubectl create
 * namespace|configmap|secret|deployment|service|job|serviceaccount} as protobuf and do not fall back to JSON; answers
 * stay JSON, which those clients accept. The body is the magic {@code k8s\0} and a {@code runtime.Unknown} message
 * (field 1 {@code typeMeta} with {@code apiVersion} = 1 and {@code kind} = 2; field 2 {@code raw}, the object's own
 * message; 3 {@code contentEncoding}; 4 {@code contentType}). The object is decoded with our own schema table
 * ({@link K8sSchemaTable}), not generated classes: the result is exactly what the same object looks like as JSON
 * ({@code apiVersion} and {@code kind} from the envelope, lowerCamel names, zero values of {@code omitempty} fields
 * absent, times in RFC 3339, quantities and int-or-strings as in JSON, Secret data in base64).
 *
 * <p>Errors: a kind without a schema is a 415 naming it (the client should send JSON); bytes that are not this
 * encoding are a 400. Thread-safe; the schema is parsed once, when the class loads.
 */
public final class K8sProtobuf {
    /** The media type of Kubernetes' protobuf encoding. */
    public static final String MEDIA_TYPE = "application/vnd.kubernetes.protobuf";
    /** The four bytes every body starts with. */
    private static final byte[] MAGIC = {'k', '8', 's', 0};

    private static final ProtoSchema SCHEMA = ProtoSchema.parse(K8sSchemaTable.ALL);
    private static final ProtoDecoder DECODER = new ProtoDecoder(SCHEMA);

    private K8sProtobuf() {
    }

    /** Whether a Content-Type header names this encoding (parameters ignored). */
    public static boolean isProtobuf(String contentType) {
        if (contentType == null) {
            return false;
        }
        return contentType.split(";")[0].trim().toLowerCase(Locale.ROOT).equals(MEDIA_TYPE);
    }

    /**
     * The object in {@code body} in its JSON wire form.
     *
     * @throws ApiException 415 when there is no schema for the body's kind, 400 when the bytes are not this encoding
     */
    public static ObjectNode decode(byte[] body) {
        if (body == null || body.length < MAGIC.length || body[0] != MAGIC[0] || body[1] != MAGIC[1]
                || body[2] != MAGIC[2] || body[3] != MAGIC[3]) {
            throw ProtoReader.malformed("it does not start with the bytes 'k8s\\0'");
        }
        Envelope e = Envelope.read(new ProtoReader(body, MAGIC.length, body.length - MAGIC.length));
        if (!e.contentEncoding().isEmpty()) {
            throw ApiException.unsupportedMediaType("the protobuf body of " + e.describe() + " has content encoding "
                    + e.contentEncoding() + ", which is not supported: send it without one, or as application/json");
        }
        String message = rootMessage(e.apiVersion(), e.kind());
        if (message == null) {
            throw ApiException.unsupportedMediaType("the server cannot decode " + e.describe() + " from " + MEDIA_TYPE
                    + ": send it as application/json or application/yaml");
        }
        ObjectNode fields = DECODER.decode(message, e.raw());
        ObjectNode out = JsonNodeFactory.instance.objectNode();
        out.put("kind", e.kind());
        out.put("apiVersion", e.apiVersion());
        out.setAll(fields);
        return out;
    }

    /**
     * The fields of {@code obj} (a built-in kind's object in JSON) that Kubernetes' types do not have, as paths
     * ({@code spec.replica}, {@code spec.template.spec.containers[0].imagePull}); empty for kinds without a schema here.
     * The protobuf schema is the types' schema: a field it lacks is one protobuf clients could not send either.
     */
    public static List<String> unknownFields(ObjectNode obj) {
        return unknownFields(obj, false);
    }

    /**
     * {@link #unknownFields}, each removed from {@code obj}: what kube-apiserver's decoder does with a field its types
     * lack unless strict validation refuses the request.
     */
    public static List<String> pruneUnknownFields(ObjectNode obj) {
        return unknownFields(obj, true);
    }

    private static List<String> unknownFields(ObjectNode obj, boolean prune) {
        String message = rootMessage(obj.path("apiVersion").asText(""), obj.path("kind").asText(""));
        if (message == null || message.equals(K8sSchemaTable.DELETE_OPTIONS)) {
            return List.of();
        }
        return prune ? SCHEMA.pruneUnknownFields(message, obj, "") : SCHEMA.unknownFields(message, obj, "");
    }

    /** Whether a protobuf body of this {@code apiVersion} and {@code kind} can be decoded. */
    public static boolean supports(String apiVersion, String kind) {
        return rootMessage(apiVersion, kind) != null;
    }

    private static String rootMessage(String apiVersion, String kind) {
        if (kind.equals(K8sSchemaTable.DELETE_OPTIONS) && !apiVersion.isEmpty()) {
            return K8sSchemaTable.DELETE_OPTIONS;
        }
        return K8sSchemaTable.ROOTS.get(apiVersion + "/" + kind);
    }

    /** The {@code runtime.Unknown} around the object. */
    private record Envelope(String apiVersion, String kind, ProtoReader raw, String contentEncoding) {
        static Envelope read(ProtoReader in) {
            String apiVersion = "";
            String kind = "";
            ProtoReader raw = ProtoReader.of(new byte[0]);
            String encoding = "";
            while (in.hasMore()) {
                int tag = in.readTag();
                switch (tag) {
                    case (1 << 3) | ProtoReader.LEN -> {
                        ProtoReader typeMeta = in.readMessage();
                        while (typeMeta.hasMore()) {
                            int t = typeMeta.readTag();
                            switch (t) {
                                case (1 << 3) | ProtoReader.LEN -> apiVersion = typeMeta.readString();
                                case (2 << 3) | ProtoReader.LEN -> kind = typeMeta.readString();
                                default -> typeMeta.skip(t & 7);
                            }
                        }
                    }
                    case (2 << 3) | ProtoReader.LEN -> raw = in.readMessage();
                    case (3 << 3) | ProtoReader.LEN -> encoding = in.readString();
                    default -> in.skip(tag & 7);
                }
            }
            return new Envelope(apiVersion, kind, raw, encoding);
        }

        String describe() {
            return "apiVersion \"" + apiVersion + "\", kind \"" + kind + "\"";
        }
    }
}
