/**
 * The images' start commands, run as the images would run them (no container engine here): the
 * controller Dockerfile's ENTRYPOINT + CMD with its ENV and numeric USER, and its HEALTHCHECK;
 * then the agent Dockerfile's ENTRYPOINT as root limited to CAP_NET_ADMIN and CAP_NET_RAW (what the
 * documented `docker run --cap-drop ALL --cap-add NET_ADMIN --cap-add NET_RAW` grants), enrolling with
 * the controller and bringing up its WireGuard interface with wireguard-go.
 *
 * Both run in one test host (network namespace with a private mount namespace) whose file system
 * is laid out like the images: this checkout bind-mounted at the image's WORKDIR (/opt/hubwire),
 * an empty tmpfs as the data volume, the host name resolving to loopback (as a container's does).
 * So the paths, ports, flags and environment are the images' own; what differs is the base (this
 * machine's Node and Debian packages instead of node:24-bookworm-slim's).
 */
import { rm, writeFile } from "node:fs/promises";
import { hostname, tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { killDaemons } from "../../src/agent/testing/lab-topology.js";
import { describeWith } from "../../src/testing/prerequisites.js";
import { eventually } from "../dataplane/fabric.js";
import type { LongLived } from "../harness/exec.js";
import { stopProcess } from "../harness/exec.js";
import { type Host, useLab } from "../harness/netns.js";
import { REPO } from "./deploy-files.js";
import { imageRun, parseDockerfile } from "./dockerfile.js";

const controllerImage = imageRun(parseDockerfile(join(REPO, "Dockerfile")));
const agentImage = imageRun(parseDockerfile(join(REPO, "deploy/agent.Dockerfile")));
const ADMIN_PASSWORD = "image-test-admin-password";

/** The intent the agent joins: a hub without an agent, and an auto-approving policy for edges. */
const INTENT = `apiVersion: hubwire/v1
kind: Network
metadata: { name: img }
spec: { cidr: 10.110.0.0/16 }
---
apiVersion: hubwire/v1
kind: Node
metadata: { name: hub-img }
spec:
  network: img
  role: hub
  endpoint: 192.0.2.1:51820
  tunnelAddress: 10.110.0.1
  publicKey: ${Buffer.alloc(32, 7).toString("base64")}
---
apiVersion: hubwire/v1
kind: EnrollmentPolicy
metadata: { name: edges }
spec:
  network: img
  role: spoke
  nodeNames: ["edge-*"]
  tunnelAddressPrefixes: [10.110.2.0/24]
  hubs: [hub-img]
  approval: auto
`;

describeWith(
  ["root", "netns", "wireguard-go", "wg", "nft", "ip", "ping"],
  "the images' start commands",
  () => {
    const lab = useLab();
    let host: Host;
    let controller: LongLived;
    let work: string;

    /** `argv` prefixed to run as the controller image's USER (its environment is passed apart). */
    const asImageUser = (argv: string[]) => {
      const u = controllerImage.user!;
      return ["setpriv", "--reuid", String(u.uid), "--regid", String(u.gid), "--clear-groups", "--", ...argv];
    };
    /** The image's HEALTHCHECK command, as its user: true when it exits 0. */
    const healthcheck = () => {
      const [cmd, ...args] = asImageUser(controllerImage.healthcheck!);
      return host.run(cmd!, args, { timeoutMs: 10_000 }).then(
        () => true,
        () => false,
      );
    };
    /** The CLI inside the host, logged in on the loopback listener. */
    const cli = (args: string[], input?: string) =>
      host.run("node", [join(controllerImage.workdir, "bin/hubwire.js"), ...args], {
        env: { HUBWIRE_CONFIG_DIR: `${work}/cli` },
        ...(input !== undefined ? { input } : {}),
        timeoutMs: 30_000,
      });

    beforeAll(async () => {
      host = await lab.addHost("img");
      work = "/opt/hubwire-image-test"; // on the tmpfs below, outside both images' volumes
      // The image's file system: the checkout at WORKDIR, an empty data volume owned by USER.
      const [dataVolume] = controllerImage.volumes;
      const u = controllerImage.user!;
      const hosts = join(tmpdir(), `hubwire-image-hosts-${process.pid}`);
      await writeFile(hosts, `127.0.0.1 localhost ${hostname()}\n::1 localhost\n`);
      for (const argv of [
        ["mount", "-t", "tmpfs", "tmpfs", "/opt"],
        ["mkdir", "-p", controllerImage.workdir],
        ["mount", "--bind", REPO, controllerImage.workdir],
        ["mount", "-t", "tmpfs", "tmpfs", "/var/lib"],
        ["mkdir", "-p", dataVolume!, work],
        ["chown", `${u.uid}:${u.gid}`, dataVolume!],
        ["chmod", "0700", dataVolume!],
        ["mount", "--bind", hosts, "/etc/hosts"],
      ])
        await host.run(argv[0]!, argv.slice(1));
      const argv = asImageUser([...controllerImage.entrypoint, ...controllerImage.cmd]);
      controller = await host.start("env", [
        ...Object.entries({ ...controllerImage.env, HUBWIRE_ADMIN_PASSWORD: ADMIN_PASSWORD }).map(
          ([k, v]) => `${k}=${v}`,
        ),
        ...argv,
      ]);
    }, 60_000);

    afterAll(async () => {
      // wireguard-go daemonizes: kill it by PID inside the host before the lab removes it.
      if (host) await killDaemons(host);
      await rm(join(tmpdir(), `hubwire-image-hosts-${process.pid}`), { force: true });
    });

    it("runs the controller image's command, and its healthcheck passes once it serves", async () => {
      expect(controllerImage.entrypoint.slice(0, 3)).toEqual([
        "node",
        "/opt/hubwire/bin/hubwire.js",
        "controller",
      ]);
      await eventually(
        "healthcheck passes",
        async () => {
          if (controller.hasExited()) throw new Error(`controller exited:\n${controller.outputTail()}`);
          return (await healthcheck()) ? true : undefined;
        },
        60_000,
      );
      // As USER, not root: it made its CA and key in the data volume, owned by that user.
      const st = await host.run("stat", ["-c", "%u:%g %a", join(controllerImage.volumes[0]!, "tls/ca.key")]);
      const u = controllerImage.user!;
      expect(st.stdout.trim()).toBe(`${u.uid}:${u.gid} 600`);
      // The TLS API listener of the CMD answers too (CA pinned from the data volume).
      const ca = join(controllerImage.volumes[0]!, "tls/ca.crt");
      expect(
        (
          await cli(
            [
              "login",
              "--controller",
              "https://localhost:7443",
              "--user",
              "admin",
              "--password-stdin",
              "--ca-file",
              ca,
            ],
            ADMIN_PASSWORD,
          )
        ).stdout,
      ).toContain("logged in");
      // What the compose Prometheus scrapes: /metrics on the CMD's TLS metrics listener.
      const metrics = await host.run(
        "node",
        [
          "-e",
          "fetch('https://localhost:9464/metrics').then(async (r) => console.log(r.status, await r.text()))",
        ],
        { env: { NODE_EXTRA_CA_CERTS: ca }, timeoutMs: 10_000 },
      );
      expect(metrics.stdout).toMatch(/^200 /);
      expect(metrics.stdout).toContain("# TYPE hubwire_node_online gauge");
    }, 90_000);

    it("runs the agent image's entrypoint with only NET_ADMIN and NET_RAW: it enrolls and brings up its tunnel", async () => {
      await cli(
        ["login", "--controller", "http://127.0.0.1:7070", "--user", "admin", "--password-stdin"],
        ADMIN_PASSWORD,
      );
      await host.run("sh", ["-c", `cat > ${work}/intent.yaml`], { input: INTENT });
      await cli(["apply", `${work}/intent.yaml`]);
      const token = (
        await cli(["token", "create", "--policy", "edges", "--ttl", "1h", "--uses", "1"])
      ).stdout.trim();
      await host.run("sh", ["-c", `umask 077 && cat > ${work}/token`], { input: `${token}\n` });
      // The agent image has its own file system: a fresh /var/lib (its volume) in a mount
      // namespace of its own, the rest (wireguard-go's socket folder, /opt) as the host has it.
      const agent = await host.start("unshare", [
        ...["-m", "--propagation", "private", "--", "sh", "-c"],
        'mount -t tmpfs tmpfs /var/lib && mkdir -p "$0" && exec "$@"',
        agentImage.volumes[0]!,
        "setpriv",
        "--inh-caps=-all",
        "--bounding-set=-all,+net_admin,+net_raw",
        "--",
        "env",
        ...Object.entries(agentImage.env).map(([k, v]) => `${k}=${v}`),
        ...agentImage.entrypoint,
        "--name",
        "edge-img",
        "--token-file",
        `${work}/token`,
      ]);
      try {
        const iface = await eventually(
          "the agent's WireGuard interface",
          async () => {
            if (agent.hasExited()) throw new Error(`agent exited:\n${agent.outputTail()}`);
            const links = (await host.ip("-o", "link", "show")).stdout;
            return /: (hw_img\S*):/.exec(links)?.[1];
          },
          60_000,
        );
        // The device comes first, its peer with the next step of the same apply.
        const peers = await eventually("the hub as the interface's peer", async () => {
          const dump = (await host.wg("show", iface, "dump")).stdout.trim().split("\n");
          const keys = dump.slice(1).map((l) => l.split("\t")[0]);
          return keys.length > 0 ? keys : undefined;
        });
        expect(peers).toEqual([Buffer.alloc(32, 7).toString("base64")]);
        // It enrolled and reports: the controller has its key and sees it online.
        await eventually("edge-img reported", async () => {
          const r = await cli(["get", "nodes", "edge-img", "-o", "json"]);
          return (JSON.parse(r.stdout) as { spec: { publicKey?: string } }).spec.publicKey ? true : undefined;
        });
        expect(agent.hasExited()).toBe(false);
      } finally {
        await stopProcess(agent);
      }
    }, 120_000);

    it("fails the healthcheck once the controller is gone", async () => {
      await stopProcess(controller);
      expect(await healthcheck()).toBe(false);
    }, 30_000);
  },
);
