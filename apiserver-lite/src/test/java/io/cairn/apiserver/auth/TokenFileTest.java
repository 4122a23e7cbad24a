package io.cairn.apiserver.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenFileTest {
    @TempDir
    Path dir;

    @Test
    void twoUsersWithGroupsCommentsAndBlankLines() throws Exception {
        TokenFile f = TokenFile.load(write("""
                # token,user,uid,groups
                abc123,alice,u-1,"system:masters,devs"

                xyz789,bob,u-2
                """));

        assertThat(f.size()).isEqualTo(2);
        assertThat(f.lookup("abc123")).contains(
                new User("alice", "u-1", List.of("system:masters", "devs", "system:authenticated")));
        assertThat(f.lookup("xyz789")).contains(new User("bob", "u-2", List.of("system:authenticated")));
        assertThat(f.lookup("abc")).isEmpty();
        assertThat(f.lookup("# token")).isEmpty();
    }

    @Test
    void quotedFieldsAndWindowsLineEnds() throws Exception {
        TokenFile f = TokenFile.load(write("\"to,ken\",\"say \"\"hi\"\"\",u-3,ops\r\nplain,dave,u-4,\r\n"));

        assertThat(f.lookup("to,ken")).map(User::name).contains("say \"hi\"");
        assertThat(f.lookup("plain")).map(User::groups).contains(List.of("system:authenticated"));
    }

    @Test
    void aRecordWithTooFewColumnsIsAStartupErrorNamingTheLine() throws Exception {
        Path p = write("""
                # users
                abc123,alice,u-1
                xyz789,bob
                """);

        assertThatThrownBy(() -> TokenFile.load(p)).isInstanceOf(IOException.class)
                .hasMessage("token file '" + p + "' line 3: must have at least 3 columns (token, user name, user uid),"
                        + " found 2");
    }

    @Test
    void anUnclosedQuoteIsAStartupErrorNamingTheLine() throws Exception {
        Path p = write("abc123,alice,u-1,\"devs\n");

        assertThatThrownBy(() -> TokenFile.load(p)).isInstanceOf(IOException.class)
                .hasMessageContaining("line 1: a quoted field is not closed");
    }

    @Test
    void emptyTokensAreSkippedAndTheLaterDuplicateWins() throws Exception {
        TokenFile f = TokenFile.load(write(",nobody,u-0\nsame,first,u-1\nsame,second,u-2\n"));

        assertThat(f.size()).isEqualTo(1);
        assertThat(f.lookup("")).isEmpty();
        assertThat(f.lookup("same")).map(User::name).contains("second");
    }

    private Path write(String text) throws IOException {
        return Files.writeString(dir.resolve("tokens.csv"), text);
    }
}
