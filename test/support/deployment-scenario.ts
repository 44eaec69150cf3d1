import assert from 'node:assert/strict';
import { it } from 'node:test';
import {
  APPS,
  type App,
  type DeploymentRun,
  loadDeploymentConfigs,
  localEnv,
  type LocalNetwork,
} from './deployment-env';

/** What a deployment description (compose file, Kubernetes overlay) gives the scenario. */
export interface DeployedApps {
  /** Each app's environment as the description gives it; read once the suite's `before` ran. */
  envs: () => Map<App, Record<string, string>>;
  /** Where the description's host names lead on this machine. */
  network: LocalNetwork;
  /** The environments, as the start test's name calls them ('compose environments'). */
  named: string;
}

/**
 * The tests every deployment description passes, in this order inside its `describe`: each app's
 * configuration loads with regions that agree, every app starts ready as its own process, a
 * monitor is checked, stored and alerted on, and every app stops cleanly on SIGTERM.
 */
export function itRunsAsDeployed(run: DeploymentRun, deployed: DeployedApps): void {
  it('should give every app a configuration it starts with, and regions that agree', () => {
    const regions = loadDeploymentConfigs(deployed.envs());
    assert.deepEqual(regions.scheduled, regions.accepted);
    assert.deepEqual(regions.judged, regions.scheduled);
    assert.ok(regions.scheduled.includes(regions.proberRegion), JSON.stringify(regions));
  });

  it(`should start each app as its own process, ready, with ${deployed.named}`, async () => {
    await run.start((local) => {
      const moved = new Map<App, Record<string, string>>();
      for (const [app, env] of deployed.envs())
        moved.set(app, localEnv(env, deployed.network, local));
      return moved;
    });
  });

  it('should check a monitor, store the result and send the alert', async () => {
    const seen = await run.proveCheckedStoredAlerted().catch((err: unknown) => {
      throw new Error(`${String(err)}\n${run.logs()}`);
    });
    assert.equal(seen.storedOutcome, 'down');
    assert.deepEqual(seen.alertKinds, ['down']);
  });

  it('should stop every app on SIGTERM with exit code 0', async () => {
    assert.deepEqual(
      await run.stop(),
      APPS.map(() => 0),
    );
  });
}
