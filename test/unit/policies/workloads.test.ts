// The workload view reads a field only when a rule asks for it: at preview a container's image id is
// unknown, and the policy SDK throws on touching it (seen as 001-SEC-10 "could not be decided").
import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { T } from "../../../policies/rules/settings";
import { workloadView } from "../../../policies/rules/workloads";

function previewProps(known: Record<string, unknown>): any {
  return new Proxy(known, {
    get(target, key) {
      if (key === "image" || key === "taskSpec") throw new Error(`string value at .${String(key)} can't be known during preview`);
      return (target as any)[key];
    },
  });
}

describe("workload view", () => {
  it("a container's log settings are read without touching its unknown image", () => {
    const v = workloadView(T.container, previewProps({ logDriver: "json-file", logOpts: { "max-size": "10m" }, memory: 256 }));
    assert.equal(v.logDriver, "json-file");
    assert.deepEqual(v.logOpts, { "max-size": "10m" });
    assert.equal(v.memoryMb, 256);
    assert.throws(() => v.image, /can't be known during preview/);
  });

  it("a service's ports are read without touching its unknown task spec", () => {
    const v = workloadView(T.service, previewProps({ endpointSpec: { ports: [{ targetPort: 5000, publishedPort: 25000, publishMode: "host" }] } }));
    assert.deepEqual(v.ports, [{ internal: 5000, external: 25000, ip: "", swarmMode: "host" }]);
    assert.throws(() => v.memoryMb, /can't be known during preview/);
  });
});
