import Benchmark
import Foundation

// Decode and encode micro-benchmarks (the targets in BENCHMARKS.md).
//
//   cd Benchmarks && swift package benchmark --target DecodeBenchmarks [--filter json]
//
// Each case reports wall time, allocations (malloc-interposer) and instructions (where the kernel
// exposes hardware counters) per operation. Per area:
//   iracing-row-decode        the iRacing source's own copy of the newest row from a memory map (the
//                             live dump w13_monza_livemem.bin), with the tick re-check against torn
//                             reads, then 20 typical variables read out of the copy
//   insim-mci-decode          one IS_MCI packet of 16 cars through InSimDecoder.decodeMultiCarInfo
//   json-read-all             a `read all` reply for one mock frame (every catalogue variable)
//   json-telemetry-20         a 20-variable telemetry message (what each subscription encodes per frame)
//   ibt-replay-speed0         the iRacing source replaying a whole .ibt file at speed 0 into a hub
//   race-*                    the race processor on a 64-car frame (RaceCases.swift)
//   forza-decode, acc-*, f1-decode, teleport-snapshot-decode: one file each
let benchmarks: @Sendable () -> Void = {
    registerIRacingBenchmarks()
    registerInSimBenchmarks()
    registerJSONBenchmarks()
    registerRaceBenchmarks()
    registerForzaBenchmarks()
    registerACCBenchmarks()
    registerF1Benchmarks()
    registerTeleportBenchmarks()
}
