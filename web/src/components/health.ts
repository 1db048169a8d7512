/** A handshake older than this (seconds) means the link is down: WireGuard re-keys every 2 minutes. */
export const HEALTHY_HANDSHAKE_SECONDS = 180;
