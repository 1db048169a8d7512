/**
 * First start: enroll with the join token (pinning the controller CA), or pick up the credential
 * of an enrollment a crash interrupted. What it gets — the node credential and the controller
 * session — is saved in the state directory, so later starts skip all of this.
 */
import { access, readFile } from "node:fs/promises";
import { join } from "node:path";
import { parseJoinToken } from "../../model/join-token.js";
import {
  type EnrollRequestFields,
  type EnrollResult,
  enroll,
  enrollmentStatus,
  waitForApproval,
} from "../client/enroll.js";
import { type ControllerSession, type Identity, type StateDir, writeFileAtomic } from "../state-dir.js";
import { type AgentLog, AgentStopped } from "./agent-log.js";

export interface BootstrapOptions {
  readonly name: string;
  /** The join token; needed only until the node is enrolled. */
  readonly token?: string;
  /** Controller URLs to use instead of those in the token. */
  readonly controllers?: readonly string[];
  /** What the node asks for when it enrolls. */
  readonly request: EnrollRequestFields;
  readonly log: AgentLog;
  readonly signal: AbortSignal;
}

export interface Enrolled {
  readonly credential: string;
  readonly session: ControllerSession;
}

const exists = (path: string) =>
  access(path).then(
    () => true,
    () => false,
  );

/** The node's credential and controller session: from the state dir, or by enrolling now. */
export async function enrolled(o: BootstrapOptions, dir: StateDir, identity: Identity): Promise<Enrolled> {
  const [credential, session] = [await dir.readCredential(), await dir.readController()];
  if (credential && session) return { credential, session };
  if (!o.token) throw new AgentStopped("not enrolled yet: give a join token (--token)");
  const token = parseJoinToken(o.token);
  const common = {
    token: o.token,
    nodeName: o.name,
    privateKey: (await readFile(identity.privateKeyFile, "utf8")).trim(),
    ...(o.controllers?.length ? { urls: o.controllers } : {}),
    signal: o.signal,
  };
  // A crash may have come after the request was made (Pending, or approved since): ask first,
  // with the key alone, which works even once the token has expired or been used up.
  const marker = join(dir.path, "enroll-requested");
  let answer: EnrollResult | undefined;
  if (await exists(marker)) {
    answer = await enrollmentStatus(common);
    if (answer.reason?.startsWith("unknown-enrollment")) answer = undefined;
  }
  if (!answer) {
    await writeFileAtomic(marker, "");
    answer = await enroll({ ...common, request: o.request });
  }
  o.log.info({ state: answer.state, reason: answer.reason }, "enrollment answered");
  if (answer.state === "Pending") answer = await waitForApproval(common);
  if (answer.state !== "Approved" || !answer.credential || !answer.caPem) {
    throw new AgentStopped(
      `enrollment ${answer.state}${answer.reason ? `: ${answer.reason}` : ""}; not joining`,
    );
  }
  const saved: ControllerSession = {
    urls: answer.controllerUrls,
    caPem: answer.caPem,
    controllerKey: token.controllerKey,
  };
  // Session first: a credential without a session would be unusable after a crash.
  await dir.writeController(saved);
  await dir.writeCredential(answer.credential);
  o.log.info({ node: answer.node }, "enrolled; node credential saved");
  return { credential: answer.credential, session: saved };
}
