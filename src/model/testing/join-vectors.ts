/**
 * The join payload's test vectors, shared by the model's tests and the CLI's `join-hmac` tests so
 * both are held to the same bytes. The HMACs were computed once with `openssl dgst -sha256 -hmac
 * SECRET` over the payload and written down; they come from outside our code.
 */

/** RFC 7748 §6.1: Alice's public key. */
export const EXAMPLE_PUBLIC_KEY = "hSDwCYkwp1R0i33ctD73Wg2/Og0mOBr066SpjqqbTmo=";

export const SECRET = "correct horse battery staple";
/** Non-ASCII: keyed by its UTF-8 bytes. */
export const SECRET_UTF8 = "s3cret-päss-秘密";

/** The optional values of the full example request, as the payload writes them. */
export interface PayloadOptionals {
  tunnelAddress: string;
  endpoint: string;
  subnets: string;
  listenPort: string;
  persistentKeepalive: string;
}

/** The payload of the example request (`branch-sha` under `branches`), written out line by line. */
function examplePayload(o: PayloadOptionals): string {
  return [
    "policy=branches",
    "network=corp",
    "nodeName=branch-sha",
    "audience=ctrl-7f3a.example",
    "nonce=9f1c2e4b6a8d0c1e3f5a7b9d2c4e6f80",
    "timestamp=2026-11-22T08:00:00Z",
    "role=spoke",
    `tunnelAddress=${o.tunnelAddress}`,
    `endpoint=${o.endpoint}`,
    `subnets=${o.subnets}`,
    `publicKey=${EXAMPLE_PUBLIC_KEY}`,
    `listenPort=${o.listenPort}`,
    `persistentKeepalive=${o.persistentKeepalive}`,
  ].join("\n");
}

/** Every optional value given; subnets in byte order ("10.64.10" before "10.64.9", not numeric). */
export const FULL_PAYLOAD = examplePayload({
  tunnelAddress: "10.100.1.7",
  endpoint: "198.51.100.7:51820",
  subnets: "10.64.10.0/24,10.64.9.0/24,fd00:64:7::/64",
  listenPort: "51820",
  persistentKeepalive: "25",
});

/** No optional value: each written as an empty value. */
export const MINIMAL_PAYLOAD = examplePayload({
  tunnelAddress: "",
  endpoint: "",
  subnets: "",
  listenPort: "",
  persistentKeepalive: "",
});

/** `openssl dgst -sha256 -hmac SECRET` over FULL_PAYLOAD. */
export const FULL_HMAC = "33e35f2b4277c7f17ab6e6ee8c960bed419b35f318ee34c1e7b5ed02215222b4";
/** The same with SECRET_UTF8. */
export const FULL_HMAC_UTF8 = "84ec05ca38dd86abdd8565d3be0f230a4b066ff18791c5fb4428e4b2b24b7eee";
/** `openssl dgst -sha256 -hmac SECRET` over MINIMAL_PAYLOAD. */
export const MINIMAL_HMAC = "2433db7d1f3bb8d759a16e3535d6e18b6f013f674d5a2d08a2061245ed004c9a";
