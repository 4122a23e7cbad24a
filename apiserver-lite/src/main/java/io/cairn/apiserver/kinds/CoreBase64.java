package io.cairn.apiserver.kinds;

import com.fasterxml.jackson.databind.JsonNode;
import io.cairn.apiserver.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.Map;

/**
 * The {@code []byte} fields of the core API ({@code Secret.data}, {@code ConfigMap.binaryData}) travel as standard,
 * padded base64. kube-apiserver decodes them with Go's {@code base64.StdEncoding} while it decodes the request body,
 * so a bad value is a 400 before any validation: {@code Secret in version "v1" cannot be handled as a Secret: illegal
 * base64 data at input byte 6}. This class finds the same byte offset Go reports (Go skips CR and LF anywhere, wants
 * "=" padding to a multiple of four, and rejects anything after the padding).
 */
final class CoreBase64 {
    private CoreBase64() {
    }

    private static final String ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

    /**
     * Throws the 400 kube-apiserver answers when a value of the map {@code values} is not base64; {@code kind} is the
     * object's kind ({@code Secret}).
     */
    static void requireBase64Values(JsonNode values, String kind) {
        if (values == null || !values.isObject()) {
            return;
        }
        for (Iterator<Map.Entry<String, JsonNode>> it = values.fields(); it.hasNext(); ) {
            JsonNode v = it.next().getValue();
            if (v.isNull()) {
                continue;
            }
            if (!v.isTextual()) {
                throw cannotHandle(kind, "json: cannot unmarshal " + (v.isNumber() ? "number" : v.isBoolean() ? "bool"
                        : v.isArray() ? "array" : "object") + " into Go value of type []uint8");
            }
            int bad = illegalByte(v.asText());
            if (bad >= 0) {
                throw cannotHandle(kind, "illegal base64 data at input byte " + bad);
            }
        }
    }

    private static ApiException cannotHandle(String kind, String why) {
        return ApiException.badRequest(kind + " in version \"v1\" cannot be handled as a " + kind + ": " + why);
    }

    /** The byte offset Go's {@code base64.StdEncoding.DecodeString} reports for {@code s}, or -1 when it decodes. */
    static int illegalByte(String s) {
        byte[] src = s.getBytes(StandardCharsets.UTF_8);
        int si = 0;
        while (si < src.length) {
            int[] r = quantum(src, si);
            if (r[1] >= 0) {
                return r[1];
            }
            if (r[0] < 0) {
                return -1;
            }
            si = r[0];
        }
        return -1;
    }

    /** Decodes one quantum of four characters from {@code si}: {next index or -1 at the end, error offset or -1}. */
    private static int[] quantum(byte[] src, int si) {
        for (int j = 0; j < 4; j++) {
            if (si == src.length) {
                return j == 0 ? new int[] {-1, -1} : new int[] {si, si - j};
            }
            byte in = src[si++];
            if (in >= 0 && ALPHABET.indexOf(in) >= 0) {
                continue;
            }
            if (in == '\n' || in == '\r') {
                j--;
                continue;
            }
            if (in != '=') {
                return new int[] {si, si - 1};
            }
            return padding(src, si, j);
        }
        return new int[] {si, -1};
    }

    /** Go's handling of "=" seen at position {@code j} of a quantum; {@code si} is just past it. */
    private static int[] padding(byte[] src, int si, int j) {
        if (j < 2) {
            return new int[] {si, si - 1};
        }
        if (j == 2) {
            si = skipNewlines(src, si);
            if (si == src.length) {
                return new int[] {si, src.length};
            }
            if (src[si] != '=') {
                return new int[] {si, si - 1};
            }
            si++;
        }
        si = skipNewlines(src, si);
        return si < src.length ? new int[] {si, si} : new int[] {-1, -1};
    }

    private static int skipNewlines(byte[] src, int si) {
        while (si < src.length && (src[si] == '\n' || src[si] == '\r')) {
            si++;
        }
        return si;
    }

    /** The number of bytes {@code s} decodes to (it must be valid base64). */
    static int decodedLength(String s) {
        int chars = 0;
        int pad = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '=') {
                pad++;
            } else if (c != '\n' && c != '\r') {
                chars++;
            }
        }
        return (chars + pad) / 4 * 3 - pad;
    }
}
