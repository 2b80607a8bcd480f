package com.redhat.das.node.deviceplugin;

import com.redhat.das.api.kubelet.deviceplugin.v1beta1.RegisterRequest;
import com.redhat.das.api.kubelet.deviceplugin.v1beta1.RegistrationGrpc;
import com.redhat.das.api.transport.UnixSocketChannel;
import com.redhat.das.api.transport.UnixSocketServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.ClosedWatchServiceException;
import java.nio.file.FileSystems;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardWatchEventKinds;
import java.nio.file.WatchEvent;
import java.nio.file.WatchKey;
import java.nio.file.WatchService;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Serves one device plugin per profile on Unix sockets in the kubelet's device-plugin directory and registers each
 * with the kubelet. A restarting kubelet deletes the plugins' sockets and creates {@code kubelet.sock} anew; this
 * class watches the directory (inotify) and, when {@code kubelet.sock} appears, serves every plugin on a fresh
 * socket and registers again (the reference registered once and was lost after a kubelet restart).
 */
public final class DevicePluginServers implements AutoCloseable {

    private static final Logger LOG = LoggerFactory.getLogger(DevicePluginServers.class);
    public static final String KUBELET_SOCKET = "kubelet.sock";
    public static final String API_VERSION = "v1beta1";

    private final Path dir;
    private final List<ProfileDevicePlugin> plugins;
    private final List<UnixSocketServer> servers = new ArrayList<>();
    private final WatchService watcher;
    private final Thread watchThread;
    private final AtomicBoolean registered = new AtomicBoolean();
    private final AtomicInteger registrations = new AtomicInteger();
    private volatile boolean closed;

    private DevicePluginServers(Path dir, List<ProfileDevicePlugin> plugins) throws IOException {
        this.dir = dir;
        this.plugins = List.copyOf(plugins);
        Files.createDirectories(dir);
        this.watcher = FileSystems.getDefault().newWatchService();
        dir.register(watcher, StandardWatchEventKinds.ENTRY_CREATE);
        this.watchThread = Thread.ofPlatform().daemon().name("das-node-kubelet-watch").unstarted(this::watchKubelet);
    }

    public static DevicePluginServers start(Path devicePluginDir, List<ProfileDevicePlugin> plugins) {
        try {
            DevicePluginServers s = new DevicePluginServers(devicePluginDir, plugins);
            s.serveAndRegister();
            s.watchThread.start();
            return s;
        } catch (IOException e) {
            throw new UncheckedIOException("cannot watch " + devicePluginDir, e);
        }
    }

    /** Every plugin is served and registered with the current kubelet. */
    public boolean healthy() {
        return registered.get() && !closed;
    }

    /** How many times the plugins registered (once per kubelet start). */
    public int registrations() {
        return registrations.get();
    }

    private synchronized void serveAndRegister() {
        if (closed) {
            return;
        }
        stopServers();
        for (ProfileDevicePlugin plugin : plugins) {
            servers.add(UnixSocketServer.start(dir.resolve(plugin.socketName()), plugin));
        }
        registered.set(false);
        Path kubelet = dir.resolve(KUBELET_SOCKET);
        if (!Files.exists(kubelet)) {
            LOG.info("no {} yet; registering when the kubelet creates it", kubelet);
            return;
        }
        try (UnixSocketChannel channel = UnixSocketChannel.open(kubelet)) {
            var registration = RegistrationGrpc.newBlockingStub(channel.channel());
            for (ProfileDevicePlugin plugin : plugins) {
                registerWithRetry(registration, plugin);
            }
            registered.set(true);
            registrations.incrementAndGet();
        }
    }

    private void registerWithRetry(RegistrationGrpc.RegistrationBlockingStub registration, ProfileDevicePlugin plugin) {
        RuntimeException last = null;
        for (int attempt = 1; attempt <= 5 && !closed; attempt++) {
            try {
                registration.withDeadlineAfter(5, TimeUnit.SECONDS).register(RegisterRequest.newBuilder()
                        .setVersion(API_VERSION).setEndpoint(plugin.socketName()).setResourceName(plugin.resourceName())
                        .setOptions(plugin.options()).build());
                LOG.info("registered {} ({} devices) with the kubelet", plugin.resourceName(), plugin.devices().size());
                return;
            } catch (RuntimeException e) {
                last = e;
                LOG.warn("registering {} failed (attempt {}): {}", plugin.resourceName(), attempt, e.getMessage());
                try {
                    Thread.sleep(200L * attempt); // back off: the kubelet may still be starting its server
                } catch (InterruptedException ie) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
        if (last != null) {
            throw last;
        }
    }

    private void watchKubelet() {
        while (!closed) {
            WatchKey key;
            try {
                key = watcher.take();
            } catch (InterruptedException | ClosedWatchServiceException e) {
                return;
            }
            boolean kubeletStarted = false;
            for (WatchEvent<?> event : key.pollEvents()) {
                if (event.context() instanceof Path p && p.toString().equals(KUBELET_SOCKET)) {
                    kubeletStarted = true;
                }
            }
            key.reset();
            if (kubeletStarted && !closed) {
                LOG.info("{} was created: the kubelet (re)started; serving and registering the device plugins again", KUBELET_SOCKET);
                try {
                    serveAndRegister();
                } catch (RuntimeException e) {
                    LOG.error("registering with the restarted kubelet failed", e);
                }
            }
        }
    }

    private void stopServers() {
        plugins.forEach(ProfileDevicePlugin::endWatches);
        servers.forEach(UnixSocketServer::close);
        servers.clear();
    }

    @Override
    public synchronized void close() {
        closed = true;
        try {
            watcher.close();
        } catch (IOException ignored) {
            // closing anyway
        }
        watchThread.interrupt();
        stopServers();
    }
}
