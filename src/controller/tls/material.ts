/** The shape every TLS source (generated or operator-given) produces, kept apart to avoid import cycles. */

/**
 * What a listener needs, plus what an operator or join token needs to trust it. All text is PEM.
 * `cert` is the chain to serve (server first, then its issuers); `caCert` is the certificate clients
 * should trust, and `caFingerprint` its SHA-256 (lowercase hex over the DER), which join tokens carry.
 * `created` is true when this call made a new CA — the moment to print the fingerprint for the operator.
 */
export type TlsMaterial = {
  cert: string;
  key: string;
  caCert: string;
  caFingerprint: string;
  created: boolean;
};
