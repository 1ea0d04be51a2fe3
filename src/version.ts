/** This package's name and version, reported to brokers in ApiVersions (KIP-511). */
export const SOFTWARE_NAME = "kafka-edge";
export const SOFTWARE_VERSION = "0.1.0";
