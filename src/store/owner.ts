import { readFileSync } from "node:fs";
import { hostname } from "node:os";
import type { System } from "../context.ts";

/**
 * The process that made a pending ledger entry: `sync` leaves the entry alone while this
 * process runs or its heartbeat is fresh (a big upload can take hours).
 */
export interface PendingOwner {
  pid: number;
  host: string;
  /**
   * Which process had that pid (Linux: boot id and start time from /proc), so a pid reused
   * after a reboot or by a later process is not taken for the owner. Absent elsewhere.
   */
  identity?: string;
  /** Last time the owner said it was still working on the entry. */
  heartbeatAt: string;
}

/** How often a running send refreshes its heartbeat. */
export const HEARTBEAT_EVERY_MS = 60_000;
/** A heartbeat younger than this means the owner is still at work (or was until lately). */
export const HEARTBEAT_FRESH_MS = 10 * 60_000;
/** Where a pid can't be told apart from a reused one, it counts only this long. */
const PID_ONLY_TRUSTED_MS = 24 * 60 * 60_000;

/** The identity of process `pid`, where the system tells it; undefined elsewhere. */
export function processIdentity(pid: number, platform: NodeJS.Platform): string | undefined {
  if (platform !== "linux") return undefined;
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after "(comm)": the 3rd field of the line is the first here; starttime is the 22nd.
    const starttime = stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    return starttime ? `${boot}:${starttime}` : undefined;
  } catch {
    return undefined;
  }
}

/** This process, as the owner of a pending entry, with a heartbeat at `now`. */
export function thisProcessAsOwner(
  now: Date,
  system: Pick<System, "pid" | "platform">,
): PendingOwner {
  const identity = processIdentity(system.pid, system.platform);
  return {
    pid: system.pid,
    host: hostname(),
    ...(identity && { identity }),
    heartbeatAt: now.toISOString(),
  };
}

export interface OwnerProbe {
  host: () => string;
  isAlive: (pid: number) => boolean;
  identity: (pid: number) => string | undefined;
}

/** The owner probe of this machine, from the process's Ctx. */
export const ownerProbe = (system: Pick<System, "isAlive" | "platform">): OwnerProbe => ({
  host: hostname,
  isAlive: (pid) => system.isAlive(pid),
  identity: (pid) => processIdentity(pid, system.platform),
});

/**
 * Whether the owner of a pending entry may still be working on it: its process runs (on
 * this machine, the same process and not a reused pid), or its heartbeat is fresh.
 */
export function ownerState(
  owner: PendingOwner,
  now: Date,
  probe: OwnerProbe,
): { busy: boolean; why: string } {
  const silentMs = now.getTime() - Date.parse(owner.heartbeatAt);
  if (owner.host === probe.host() && owner.pid > 0 && probe.isAlive(owner.pid)) {
    const same =
      owner.identity !== undefined
        ? probe.identity(owner.pid) === owner.identity
        : silentMs < PID_ONLY_TRUSTED_MS;
    if (same) return { busy: true, why: `its send (process ${owner.pid}) is still running` };
  }
  if (silentMs < HEARTBEAT_FRESH_MS) {
    return {
      busy: true,
      why: `its send (process ${owner.pid} on ${owner.host}) was at work lately`,
    };
  }
  return { busy: false, why: `its send (process ${owner.pid} on ${owner.host}) is gone` };
}

/** Whether `value` has the shape of a PendingOwner (for the ledger's entry check). */
export const isPendingOwner = (value: unknown): value is PendingOwner => {
  const owner = value as Partial<PendingOwner> | null;
  return (
    typeof owner === "object" &&
    owner !== null &&
    Number.isInteger(owner.pid) &&
    typeof owner.host === "string" &&
    (owner.identity === undefined || typeof owner.identity === "string") &&
    typeof owner.heartbeatAt === "string" &&
    !Number.isNaN(Date.parse(owner.heartbeatAt))
  );
};
