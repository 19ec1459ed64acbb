import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { inheritedEnvironment } from '../environment.js';

const run = promisify(execFile);

/** Runs `ip` with the arguments; a failure names the command and what `ip` said. */
export async function ip(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run('ip', args, { timeout: 10_000 });
    return stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr?.trim();
    throw new Error(`ip ${args.join(' ')} failed${stderr ? `: ${stderr}` : ''}`, { cause: error });
  }
}

/** Every namespace a run makes starts with this, then the pid of the process that made it. */
const namePrefix = 'bh';

/** Whether a process with this pid is alive. */
function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Deletes namespaces left by runs whose process is gone (a run killed before its cleanup). */
async function sweepOrphans(): Promise<void> {
  for (const line of (await ip('netns', 'list')).split('\n')) {
    const match = new RegExp(`^(${namePrefix}(\\d+)x[0-9a-f]+-\\w+)`).exec(line);
    if (match?.[1] && !alive(Number(match[2]))) await ip('netns', 'del', match[1]).catch(() => undefined);
  }
}

export interface Host { name: string; namespace: string; address: string }

/**
 * Hosts on one private Ethernet segment, each a network namespace with one interface (`eth0`,
 * its own address) plugged into a bridge that lives in a switch namespace of its own. No address
 * or interface is added to the machine's own namespace, and the names carry this process's pid
 * and a random part, so parallel runs do not clash. `cut` pulls a host's cable (its switch port
 * goes down: packets vanish, nothing is refused); `reconnect` plugs it back in.
 */
export class HostNetwork {
  readonly run = `${namePrefix}${process.pid}x${randomBytes(3).toString('hex')}`;
  readonly hosts = new Map<string, Host>();
  readonly #switch = `${this.run}-sw`;
  readonly #children = new Set<ChildProcess>();

  /** Makes the switch. Fails with `ip`'s own words when namespaces cannot be made (no root, no netns). */
  async create(): Promise<void> {
    try {
      await sweepOrphans();
      await ip('netns', 'add', this.#switch);
    } catch (error) {
      throw new Error(`this test makes network namespaces: it needs root and a working \`ip netns\` (${(error as Error).message})`, { cause: error });
    }
    await ip('-n', this.#switch, 'link', 'add', 'br0', 'type', 'bridge');
    await ip('-n', this.#switch, 'link', 'set', 'br0', 'up');
  }

  /** A host named `name` (at most 10 characters) with address 10.77.0.`octet`/24. */
  async add(name: string, octet: number): Promise<Host> {
    const namespace = `${this.run}-${name}`;
    await ip('netns', 'add', namespace);
    await ip('-n', namespace, 'link', 'set', 'lo', 'up');
    await ip('-n', this.#switch, 'link', 'add', name, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', namespace);
    await ip('-n', this.#switch, 'link', 'set', name, 'master', 'br0');
    await ip('-n', this.#switch, 'link', 'set', name, 'up');
    const address = `10.77.0.${octet}`;
    await ip('-n', namespace, 'addr', 'add', `${address}/24`, 'dev', 'eth0');
    await ip('-n', namespace, 'link', 'set', 'eth0', 'up');
    const host = { name, namespace, address };
    this.hosts.set(name, host);
    return host;
  }

  /** The host's switch port goes down: its packets are lost both ways, as when a cable is pulled. */
  async cut(host: Host): Promise<void> {
    await ip('-n', this.#switch, 'link', 'set', host.name, 'down');
  }

  async reconnect(host: Host): Promise<void> {
    await ip('-n', this.#switch, 'link', 'set', host.name, 'up');
  }

  /** Starts `command` inside the host's namespace; the network stops it (SIGKILL) on `destroy`. */
  spawn(host: Host, command: string, args: string[], env: NodeJS.ProcessEnv = inheritedEnvironment): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', host.namespace, command, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#children.add(child);
    child.on('exit', () => this.#children.delete(child));
    return child;
  }

  /** Runs `command` inside the host's namespace to its end. */
  async exec(host: Host, command: string, args: string[]): Promise<string> {
    const { stdout } = await run('ip', ['netns', 'exec', host.namespace, command, ...args], { timeout: 60_000 });
    return stdout;
  }

  /** Kills what still runs in the namespaces, then deletes them (their interfaces go with them). */
  async destroy(): Promise<void> {
    await Promise.all([...this.#children].map(async (child) => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = once(child, 'exit');
      child.kill('SIGKILL');
      await exited;
    }));
    for (const namespace of [...[...this.hosts.values()].map((host) => host.namespace), this.#switch]) {
      // Anything a namespace still holds (a daemon started inside it) is killed before it goes.
      const pids = (await ip('netns', 'pids', namespace).catch(() => '')).split('\n').filter(Boolean).map(Number);
      for (const pid of pids) {
        try { process.kill(pid, 'SIGKILL'); } catch { /* gone already */ }
      }
      await ip('netns', 'del', namespace).catch(() => undefined);
    }
    this.hosts.clear();
  }
}
