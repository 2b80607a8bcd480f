package com.redhat.das.demo;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.SimpleFormatter;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the components' logs out of the demo's report: slf4j-simple writes them to the file the build names
 * ({@code -Dorg.slf4j.simpleLogger.logFile}), and java.util.logging (gRPC's Netty logs through it) is sent to slf4j
 * instead of the terminal.
 */
final class DemoLogging {

    private static final String LOG_FILE_PROPERTY = "org.slf4j.simpleLogger.logFile";

    private DemoLogging() {
    }

    /** Call before the first slf4j logger is made: slf4j-simple reads its settings then. */
    static void configure() {
        createLogFileDirectory();
        LogManager.getLogManager().reset();
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.setLevel(Level.INFO);
        root.addHandler(new ToSlf4j());
    }

    /** slf4j-simple cannot create the directory of its log file; without it, logs would fall back to the terminal. */
    private static void createLogFileDirectory() {
        String file = System.getProperty(LOG_FILE_PROPERTY);
        if (file == null || file.equals("System.out") || file.equals("System.err")) {
            return;
        }
        Path parent = Path.of(file).toAbsolutePath().getParent();
        try {
            Files.createDirectories(parent);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create " + parent + " for the demo's log", e);
        }
    }

    private static final class ToSlf4j extends Handler {
        private final SimpleFormatter formatter = new SimpleFormatter();

        @Override
        public void publish(LogRecord record) {
            Logger logger = LoggerFactory.getLogger(record.getLoggerName() == null ? "jul" : record.getLoggerName());
            String message = formatter.formatMessage(record);
            int level = record.getLevel().intValue();
            if (level >= Level.SEVERE.intValue()) {
                logger.error(message, record.getThrown());
            } else if (level >= Level.WARNING.intValue()) {
                logger.warn(message, record.getThrown());
            } else if (level >= Level.INFO.intValue()) {
                logger.info(message, record.getThrown());
            } else {
                logger.debug(message, record.getThrown());
            }
        }

        @Override
        public void flush() {
        }

        @Override
        public void close() {
        }
    }
}
