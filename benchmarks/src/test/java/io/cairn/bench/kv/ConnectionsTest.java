package io.cairn.bench.kv;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The client's connections are laid out as etcd 3.4's benchmark lays out {@code --conns} and {@code --clients}
 * (the report says so): connection i to endpoint i mod 3, client j on connection j mod connections, one connection
 * per 10 clients. Channels connect lazily, so nothing needs to listen.
 */
class ConnectionsTest {
    private static final List<InetSocketAddress> ENDPOINTS = List.of(new InetSocketAddress("127.0.0.1", 1001),
            new InetSocketAddress("127.0.0.1", 1002), new InetSocketAddress("127.0.0.1", 1003));

    @Test
    void oneConnectionPerTenClientsAsConns100Clients1000() {
        assertThat(Connections.forClients(1)).isEqualTo(1);
        assertThat(Connections.forClients(10)).isEqualTo(1);
        assertThat(Connections.forClients(11)).isEqualTo(2);
        assertThat(Connections.forClients(1000)).isEqualTo(100);
    }

    @Test
    void connectionsGoToTheEndpointsInTurnAndClientsToTheConnectionsInTurn() throws Exception {
        try (Connections c = new Connections(ENDPOINTS, 5)) {
            assertThat(c.count()).isEqualTo(5);
            assertThat(c.channel(0).authority()).isEqualTo("127.0.0.1:1001");
            assertThat(c.channel(1).authority()).isEqualTo("127.0.0.1:1002");
            assertThat(c.channel(2).authority()).isEqualTo("127.0.0.1:1003");
            assertThat(c.channel(3).authority()).isEqualTo("127.0.0.1:1001");
            assertThat(c.channel(4).authority()).isEqualTo("127.0.0.1:1002");
            // client 7 uses connection 7 mod 5 = 2, the third endpoint; client 5 wraps to connection 0
            assertThat(c.channel(7)).isSameAs(c.channel(2));
            assertThat(c.channel(5)).isSameAs(c.channel(0));
            assertThat(c.kv(7)).isSameAs(c.kv(2));
        }
    }
}
