package io.cairn.apiserver.auth;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Static bearer tokens in kube-apiserver's {@code --token-auth-file} format: one CSV record a line,
 * {@code token,user,uid[,"group1,group2"]}, further columns ignored.
 *
 * <p>As kube-apiserver does: at least three columns or the file is rejected; a record with an empty token is skipped
 * with a warning; a duplicate token warns and the later record wins; the groups column is split on commas as written
 * (no trimming; unlike kube-apiserver, empty group names are dropped rather than kept as {@code ""}). Beyond kube-apiserver: blank lines and lines whose first character is {@code #} are ignored, and a
 * malformed file's error names the file and the line. CSV quoting follows RFC 4180 ({@code "a,b"}, {@code ""} for a
 * quote), within one line.
 *
 * <p>Tokens are never logged. Immutable once loaded; thread-safe.
 */
public final class TokenFile {
    private static final Logger log = LoggerFactory.getLogger(TokenFile.class);

    private final Map<String, User> users;

    private TokenFile(Map<String, User> users) {
        this.users = Map.copyOf(users);
    }

    /**
     * Reads {@code path}.
     *
     * @throws IOException if it cannot be read, or is malformed: the message names the file and line, e.g.
     *     {@code token file '/etc/tokens.csv' line 3: must have at least 3 columns (token, user name, user uid), found 2}
     */
    public static TokenFile load(Path path) throws IOException {
        List<String> lines = Files.readAllLines(path, StandardCharsets.UTF_8);
        Map<String, User> users = new HashMap<>();
        int recordNumber = 0;
        for (int i = 0; i < lines.size(); i++) {
            String line = stripBom(lines.get(i), i);
            if (line.isBlank() || line.startsWith("#")) {
                continue;
            }
            String where = "token file '" + path + "' line " + (i + 1) + ": ";
            List<String> record = parseCsvLine(line, where);
            if (record.size() < 3) {
                throw new IOException(where + "must have at least 3 columns (token, user name, user uid), found "
                        + record.size());
            }
            recordNumber++;
            String token = record.get(0);
            if (token.isEmpty()) {
                log.warn("empty token has been found in token file '{}', line {} (record {}); skipping it", path, i + 1,
                        recordNumber);
                continue;
            }
            List<String> groups = record.size() >= 4
                    ? Arrays.stream(record.get(3).split(",")).filter(g -> !g.isEmpty()).toList()
                    : List.of();
            if (users.put(token, User.authenticated(record.get(1), record.get(2), groups)) != null) {
                log.warn("duplicate token has been found in token file '{}', line {}; the later record wins", path,
                        i + 1);
            }
        }
        log.info("loaded {} bearer token(s) from {}", users.size(), path);
        return new TokenFile(users);
    }

    /** No tokens at all (no {@code --token-auth-file}). */
    public static TokenFile empty() {
        return new TokenFile(Map.of());
    }

    /** The user whose token this is. */
    public Optional<User> lookup(String token) {
        return Optional.ofNullable(users.get(token));
    }

    public int size() {
        return users.size();
    }

    private static String stripBom(String line, int index) {
        return index == 0 && line.startsWith("\uFEFF") ? line.substring(1) : line;
    }

    /** One CSV record (RFC 4180 within a line); a malformed quote is an error naming {@code where}. */
    static List<String> parseCsvLine(String line, String where) throws IOException {
        List<String> fields = new ArrayList<>();
        StringBuilder field = new StringBuilder();
        int i = 0;
        int n = line.length();
        while (true) {
            if (i < n && line.charAt(i) == '"') {
                i++;
                while (true) {
                    if (i >= n) {
                        throw new IOException(where + "a quoted field is not closed (quoted fields cannot span lines)");
                    }
                    char c = line.charAt(i++);
                    if (c == '"') {
                        if (i < n && line.charAt(i) == '"') {
                            field.append('"');
                            i++;
                        } else {
                            break;
                        }
                    } else {
                        field.append(c);
                    }
                }
                if (i < n && line.charAt(i) != ',') {
                    throw new IOException(where + "extraneous character '" + line.charAt(i)
                            + "' after a closing quote in column " + (fields.size() + 1));
                }
            } else {
                while (i < n && line.charAt(i) != ',') {
                    char c = line.charAt(i++);
                    if (c == '"') {
                        throw new IOException(where + "bare \" in unquoted column " + (fields.size() + 1)
                                + " (quote the whole field and double the quote)");
                    }
                    field.append(c);
                }
            }
            fields.add(field.toString());
            field.setLength(0);
            if (i >= n) {
                return fields;
            }
            i++; // the comma
        }
    }
}
