// The device-level GPU counters on fake WebGPU classes: dispatch/alloc/destroy/write/map/submit sequences give exact counts.
import { describe, expect, it } from 'vitest';
import { GpuCounterStore, writeBytes } from '../../src/runtime/gpu-counters';

/** Minimal stand-ins with the methods the wrappers patch, each recording that the original ran. */
function fakeWebGpu() {
  const calls: string[] = [];
  class GPUBuffer {
    constructor(readonly size: number) {}
    destroy() {
      calls.push('destroy');
    }
    async mapAsync(_mode: number, _offset?: number, _size?: number) {
      calls.push('mapAsync');
    }
  }
  class GPUDevice {
    createBuffer(desc: { size: number; usage: number; mappedAtCreation?: boolean }) {
      calls.push('createBuffer');
      return new GPUBuffer(desc.size);
    }
  }
  class GPUQueue {
    writeBuffer(_buffer: GPUBuffer, _offset: number, _data: unknown, _dataOffset?: number, _size?: number) {
      calls.push('writeBuffer');
    }
    submit(_buffers: unknown[]) {
      calls.push('submit');
    }
  }
  class GPUComputePassEncoder {
    dispatchWorkgroups(_x: number, _y?: number, _z?: number) {
      calls.push('dispatch');
    }
    dispatchWorkgroupsIndirect(_buffer: GPUBuffer, _offset: number) {
      calls.push('indirect');
    }
  }
  return { classes: { GPUDevice, GPUQueue, GPUBuffer, GPUComputePassEncoder }, calls };
}

function installed(now = () => 0) {
  const fake = fakeWebGpu();
  const store = new GpuCounterStore(now);
  expect(store.install(fake.classes)).toBe(true);
  const { GPUDevice, GPUQueue, GPUComputePassEncoder } = fake.classes;
  return { store, fake, device: new GPUDevice(), queue: new GPUQueue(), pass: new GPUComputePassEncoder() };
}

describe('GPU counters', () => {
  it('counts direct and indirect dispatches, and the originals still run', () => {
    const { store, fake, device, pass } = installed();
    const m = store.mark();
    pass.dispatchWorkgroups(4, 4, 1);
    pass.dispatchWorkgroups(1);
    pass.dispatchWorkgroupsIndirect(device.createBuffer({ size: 12, usage: 0 }), 0);
    expect(store.since(m).dispatches).toBe(3);
    expect(fake.calls).toEqual(['dispatch', 'dispatch', 'createBuffer', 'indirect']);
  });

  it('tracks live bytes and the peak since a mark; destroy subtracts once', () => {
    const { store, device } = installed();
    const a = device.createBuffer({ size: 1000, usage: 0 });
    const m = store.mark();
    expect(store.since(m)).toMatchObject({ liveBytes: 1000, peakBytes: 1000 });
    const b = device.createBuffer({ size: 4000, usage: 0 });
    a.destroy();
    a.destroy(); // twice: counted once
    const c = device.createBuffer({ size: 500, usage: 0 });
    expect(store.since(m)).toMatchObject({ liveBytes: 4500, peakBytes: 5000 });
    b.destroy();
    c.destroy();
    const later = store.mark();
    device.createBuffer({ size: 200, usage: 0 });
    expect(store.end(later)).toMatchObject({ liveBytes: 200, peakBytes: 200 });
    expect(store.since(m)).toMatchObject({ liveBytes: 200, peakBytes: 5000 });
    expect(store.counts().peakBytes).toBe(5000);
    expect([store.since(m).buffersCreated, store.counts().buffersCreated, store.since(m).createdBytes]).toEqual([3, 4, 4700]);
  });

  it('ignores destroying a buffer created before install', () => {
    const fake = fakeWebGpu();
    const early = new fake.classes.GPUDevice().createBuffer({ size: 64, usage: 0 });
    const store = new GpuCounterStore(() => 0);
    store.install(fake.classes);
    early.destroy();
    expect(store.counts().liveBytes).toBe(0);
  });

  it('counts uploads: writeBuffer (bytes from typed-array elements) and buffers mapped at creation', () => {
    const { store, device, queue } = installed();
    const m = store.mark();
    const buf = device.createBuffer({ size: 4096, usage: 0 });
    queue.writeBuffer(buf, 0, new Float32Array(256)); // 1024 bytes
    queue.writeBuffer(buf, 0, new Float32Array(256), 16, 100); // elements 16..116: 400 bytes
    queue.writeBuffer(buf, 0, new ArrayBuffer(64), 8); // 56 bytes
    device.createBuffer({ size: 2048, usage: 0, mappedAtCreation: true });
    expect(store.since(m)).toMatchObject({ uploads: 4, uploadBytes: 1024 + 400 + 56 + 2048 });
  });

  it('counts readbacks only for mapAsync with READ, with the mapped range', () => {
    const { store, device } = installed();
    const staging = device.createBuffer({ size: 1024, usage: 0 });
    const m = store.mark();
    void staging.mapAsync(1); // READ, whole buffer
    void staging.mapAsync(1, 256, 128); // READ, a range
    void staging.mapAsync(2); // WRITE: not a readback
    void staging.mapAsync(1, 1000); // READ from 1000 to the end
    expect(store.since(m)).toMatchObject({ readbacks: 3, readbackBytes: 1024 + 128 + 24 });
  });

  it('records the time of the last submit since a mark, NaN when there was none', () => {
    let t = 10;
    const { store, queue } = installed(() => t);
    const m = store.mark();
    expect(store.since(m).lastSubmitAt).toBeNaN();
    queue.submit([]);
    t = 25;
    queue.submit([]);
    expect(store.since(m)).toMatchObject({ submits: 2, lastSubmitAt: 25 });
    expect(store.since(store.mark()).lastSubmitAt).toBeNaN();
  });

  it('installs once, and not at all without WebGPU classes', () => {
    const fake = fakeWebGpu();
    const store = new GpuCounterStore(() => 0);
    expect(store.install({})).toBe(false);
    expect(store.installed).toBe(false);
    store.install(fake.classes);
    store.install(fake.classes); // no double wrapping
    new fake.classes.GPUComputePassEncoder().dispatchWorkgroups(1);
    expect(store.counts().dispatches).toBe(1);
  });

  it('writeBytes reads a DataView as bytes', () => {
    expect(writeBytes(new DataView(new ArrayBuffer(40)), 4)).toBe(36);
    expect(writeBytes(new Uint16Array(10))).toBe(20);
  });
});
