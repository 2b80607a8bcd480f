package com.redhat.das.testbed.cluster;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A byte relay between two Unix sockets, placed between das-scheduler's shim and the allocator so that a test can
 * cut their connection the way a crashing peer or a full socket buffer would: the shim sees its stream end in the
 * middle of a call and must reconnect, the allocator sees its client vanish.
 *
 * <p>It forwards bytes unchanged (gRPC's HTTP/2 frames pass through as they are) and knows nothing of the protocol;
 * "mid-call" means the client's last bytes have not been answered yet.
 */
public final class SocketRelay implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(SocketRelay.class);

    private final Path listen;
    private final Path target;
    private final ServerSocketChannel server;
    private final Set<Link> links = ConcurrentHashMap.newKeySet();
    private final AtomicLong connections = new AtomicLong();
    private volatile boolean closed;

    /** What {@link #drop} cut. */
    public record Drop(int connections, boolean midCall) {
    }

    private SocketRelay(Path listen, Path target, ServerSocketChannel server) {
        this.listen = listen;
        this.target = target;
        this.server = server;
    }

    /** Listens on {@code listen} (mode 0600, like the allocator's socket) and relays each connection to {@code target}. */
    public static SocketRelay start(Path listen, Path target) {
        try {
            Files.createDirectories(listen.getParent());
            Files.deleteIfExists(listen);
            ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
            server.bind(UnixDomainSocketAddress.of(listen));
            Files.setPosixFilePermissions(listen, PosixFilePermissions.fromString("rw-------"));
            SocketRelay relay = new SocketRelay(listen, target, server);
            Thread.ofVirtual().name("socket-relay-accept").start(relay::acceptLoop);
            return relay;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot listen on " + listen, e);
        }
    }

    public Path listenPath() {
        return listen;
    }

    /** Connections accepted so far. */
    public long connections() {
        return connections.get();
    }

    /**
     * Waits up to {@code waitForCall} for a connection whose client is waiting for an answer and cuts every open
     * connection then (or when the wait ends, mid-call or not).
     */
    public Drop drop(Duration waitForCall) {
        long deadline = System.nanoTime() + waitForCall.toNanos();
        boolean midCall = false;
        while (System.nanoTime() < deadline && !closed) {
            if (links.stream().anyMatch(Link::awaitingAnswer)) {
                midCall = true;
                break;
            }
            try {
                Thread.sleep(1);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
        }
        List<Link> open = List.copyOf(links);
        open.forEach(Link::cut);
        LOG.info("Cut {} connection(s) between {} and {}{}", open.size(), listen.getFileName(), target.getFileName(),
                midCall ? " while a call was in flight" : "");
        return new Drop(open.size(), midCall);
    }

    private void acceptLoop() {
        while (!closed) {
            SocketChannel client;
            try {
                client = server.accept();
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("Accepting on {} failed: {}", listen, e.toString());
                }
                return;
            }
            connections.incrementAndGet();
            SocketChannel upstream;
            try {
                upstream = SocketChannel.open(UnixDomainSocketAddress.of(target));
            } catch (IOException e) {
                // As the allocator's own socket would: the connection is refused while it is down.
                LOG.debug("Upstream {} refused: {}", target, e.toString());
                closeQuietly(client);
                continue;
            }
            Link link = new Link(client, upstream);
            links.add(link);
            Thread.ofVirtual().name("socket-relay-up").start(() -> link.pump(client, upstream, true));
            Thread.ofVirtual().name("socket-relay-down").start(() -> link.pump(upstream, client, false));
        }
    }

    /** One relayed connection; the sequence numbers tell whether the client's last bytes have been answered. */
    private final class Link {
        private final SocketChannel client;
        private final SocketChannel upstream;
        private final AtomicLong lastUp = new AtomicLong();
        private final AtomicLong lastDown = new AtomicLong();
        private final AtomicLong sequence = new AtomicLong();

        Link(SocketChannel client, SocketChannel upstream) {
            this.client = client;
            this.upstream = upstream;
        }

        boolean awaitingAnswer() {
            return lastUp.get() > lastDown.get();
        }

        void pump(SocketChannel from, SocketChannel to, boolean up) {
            ByteBuffer buffer = ByteBuffer.allocate(64 * 1024);
            try {
                while (from.read(buffer) >= 0) {
                    (up ? lastUp : lastDown).set(sequence.incrementAndGet());
                    buffer.flip();
                    while (buffer.hasRemaining()) {
                        to.write(buffer);
                    }
                    buffer.clear();
                }
            } catch (IOException e) {
                // cut, or the peer went away: either way the connection ends
            } finally {
                cut();
            }
        }

        void cut() {
            closeQuietly(client);
            closeQuietly(upstream);
            links.remove(this);
        }
    }

    private static void closeQuietly(SocketChannel channel) {
        try {
            channel.close();
        } catch (IOException ignored) {
            // closing a broken channel: nothing left to do
        }
    }

    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException ignored) {
            // closing: nothing left to do
        }
        List.copyOf(links).forEach(Link::cut);
        try {
            Files.deleteIfExists(listen);
        } catch (IOException ignored) {
            // the cluster directory goes anyway
        }
    }
}
