package io.cairn.kv.auth;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * etcd 3.4's permission questions ({@code auth/range_perm_cache.go}): a key is permitted when some permission holds
 * it; a range only when the permissions meeting it join without a gap and cover all of it.
 */
class KeyPermissionsTest {
    private static byte[] b(String s) {
        return s.getBytes(StandardCharsets.UTF_8);
    }

    private static final byte[] NONE = new byte[0];
    private static final byte[] FROM_KEY = {0};

    @Test
    void aSingleKeyPermissionHoldsThatKeyOnly() {
        KeyPermissions p = KeyPermissions.builder().add(b("a"), NONE).build();
        assertThat(p.permits(b("a"), NONE)).isTrue();
        assertThat(p.permits(b("a\0"), NONE)).isFalse();
        assertThat(p.permits(b("ab"), NONE)).isFalse();
        assertThat(p.permits(b("a"), b("b"))).isFalse(); // [a, b) holds more than a
        assertThat(p.permits(b("a"), b("a\0"))).isTrue(); // exactly the key, as a range
    }

    @Test
    void aPrefixHoldsItsKeysAndSubRangesButNotMore() {
        KeyPermissions p = KeyPermissions.builder().add(b("/app/"), b("/app0")).build();
        assertThat(p.permits(b("/app/"), NONE)).isTrue();
        assertThat(p.permits(b("/app/x/y"), NONE)).isTrue();
        assertThat(p.permits(b("/app0"), NONE)).isFalse();
        assertThat(p.permits(b("/app"), NONE)).isFalse();
        assertThat(p.permits(b("/app/"), b("/app0"))).isTrue();
        assertThat(p.permits(b("/app/a"), b("/app/b"))).isTrue();
        assertThat(p.permits(b("/app/"), b("/app1"))).isFalse(); // reaches past the end
        assertThat(p.permits(b("/ap"), b("/app0"))).isFalse(); // starts before
        assertThat(p.permits(b("/app/"), FROM_KEY)).isFalse(); // every key from /app/ on
    }

    @Test
    void fromKeyPermissionsReachTheEndOfTheKeySpace() {
        KeyPermissions p = KeyPermissions.builder().add(b("m"), FROM_KEY).build();
        assertThat(p.permits(b("m"), NONE)).isTrue();
        assertThat(p.permits(b("\u00ff\u00ff"), NONE)).isTrue();
        assertThat(p.permits(b("l"), NONE)).isFalse();
        assertThat(p.permits(b("m"), FROM_KEY)).isTrue();
        assertThat(p.permits(b("n"), FROM_KEY)).isTrue();
        assertThat(p.permits(b("l"), FROM_KEY)).isFalse();
        assertThat(p.permits(b("x"), b("z"))).isTrue();
    }

    @Test
    void adjacentPermissionsCoverARangeAcrossThemAndAGapBreaksIt() {
        KeyPermissions joined = KeyPermissions.builder().add(b("a"), b("c")).add(b("c"), b("e")).build();
        assertThat(joined.permits(b("b"), b("d"))).isTrue();
        assertThat(joined.permits(b("a"), b("e"))).isTrue();
        assertThat(joined.permits(b("a"), b("f"))).isFalse();
        KeyPermissions gap = KeyPermissions.builder().add(b("a"), b("c")).add(b("d"), b("e")).build();
        assertThat(gap.permits(b("b"), b("d"))).isFalse();
        assertThat(gap.permits(b("c"), NONE)).isFalse();
        assertThat(gap.permits(b("d"), NONE)).isTrue();
        KeyPermissions overlapping = KeyPermissions.builder().add(b("d"), b("f")).add(b("a"), b("e")).build();
        assertThat(overlapping.permits(b("a"), b("f"))).isTrue(); // order of adding does not matter
    }

    @Test
    void noPermissionPermitsNothing() {
        assertThat(KeyPermissions.NONE.permits(b("a"), NONE)).isFalse();
        assertThat(KeyPermissions.NONE.permits(b("a"), FROM_KEY)).isFalse();
    }

    @Test
    void passwordHashesMatchOnlyTheirPasswordAndCarryASalt() {
        byte[] h1 = PasswordHash.hash("pw", PasswordHash.COST_MIN);
        byte[] h2 = PasswordHash.hash("pw", PasswordHash.COST_MIN);
        assertThat(h1).isNotEqualTo(h2);
        assertThat(PasswordHash.matches("pw", h1)).isTrue();
        assertThat(PasswordHash.matches("pw", h2)).isTrue();
        assertThat(PasswordHash.matches("pw2", h1)).isFalse();
        assertThat(PasswordHash.matches("", PasswordHash.hash("", PasswordHash.COST_MIN))).isTrue();
        assertThat(PasswordHash.matches("pw", b("not a hash"))).isFalse();
        assertThat(PasswordHash.iterations(99)).isEqualTo(PasswordHash.iterations(PasswordHash.COST_DEFAULT));
    }

    @Test
    void tokensLiveTheirTtlFromLastUseAndNameTheirIndex() {
        long[] now = {0};
        SimpleTokens t = new SimpleTokens(300, () -> now[0]);
        String token = SimpleTokens.token("abc", 42);
        assertThat(SimpleTokens.indexOf(token)).isEqualTo(42);
        assertThat(SimpleTokens.indexOf("nodot")).isEqualTo(-1);
        t.issue(token, "alice");
        now[0] += 299_000_000_000L;
        assertThat(t.user(token)).isEqualTo("alice"); // used: lives 300 s again from now
        now[0] += 299_000_000_000L;
        assertThat(t.user(token)).isEqualTo("alice");
        now[0] += 301_000_000_000L;
        assertThat(t.user(token)).isNull();
        t.issue("x.1", "bob");
        t.issue("x.2", "carol");
        t.forgetUser("bob");
        assertThat(t.user("x.1")).isNull();
        assertThat(t.user("x.2")).isEqualTo("carol");
        t.forgetAll();
        assertThat(t.size()).isZero();
    }
}
