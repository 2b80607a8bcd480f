package com.redhat.das.api.transport;

import io.grpc.BindableService;
import io.grpc.Server;
import io.grpc.netty.shaded.io.grpc.netty.NettyServerBuilder;
import io.grpc.netty.shaded.io.netty.channel.EventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollEventLoopGroup;
import io.grpc.netty.shaded.io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.grpc.netty.shaded.io.netty.channel.unix.DomainSocketAddress;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A gRPC server on a Unix socket, and nothing else: das-scheduler reaches the allocator, and the kubelet reaches the
 * device plugins, through files, so no port is open to the network. The socket is made readable and writable by its
 * owner only (0600).
 */
public final class UnixSocketServer implements AutoCloseable {

    private final Path socket;
    private final Server server;
    private final EventLoopGroup group;

    private UnixSocketServer(Path socket, Server server, EventLoopGroup group) {
        this.socket = socket;
        this.server = server;
        this.group = group;
    }

    @SuppressWarnings("deprecation") // EpollEventLoopGroup is what the shaded Netty of grpc-netty-shaded offers
    public static UnixSocketServer start(Path socket, BindableService... services) {
        try {
            Files.createDirectories(socket.toAbsolutePath().getParent());
            // A socket left by a crashed predecessor would make bind fail.
            Files.deleteIfExists(socket);
            EventLoopGroup group = new EpollEventLoopGroup(2);
            Server server = NettyServerBuilder.forAddress(new DomainSocketAddress(socket.toString()))
                    .channelType(EpollServerDomainSocketChannel.class)
                    .bossEventLoopGroup(group).workerEventLoopGroup(group)
                    // a virtual thread per call keeps blocking API writes and NVML calls off the event loop
                    .executor(Executors.newVirtualThreadPerTaskExecutor())
                    .addServices(java.util.Arrays.stream(services).map(BindableService::bindService).toList())
                    .build()
                    .start();
            Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString("rw-------"));
            return new UnixSocketServer(socket, server, group);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot serve on " + socket, e);
        }
    }

    public Path socket() {
        return socket;
    }

    @Override
    public void close() {
        server.shutdown();
        try {
            if (!server.awaitTermination(5, TimeUnit.SECONDS)) {
                server.shutdownNow();
            }
        } catch (InterruptedException e) {
            server.shutdownNow();
            Thread.currentThread().interrupt();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
        try {
            Files.deleteIfExists(socket);
        } catch (IOException ignored) {
            // the directory may be gone already
        }
    }
}
