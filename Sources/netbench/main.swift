// The networked-install benchmark of issue 5, item 6.
//
// `swift build -c release --product seqd && swift run -c release netbench [--rounds N] [--concurrent N]`
//
// It writes a catalogue (brokerage, and scripts of 10 and 500 GET DATA commands) and one card-data
// file per simulated card (the GlobalPlatform test card with its own CIN and KDD) into a temporary
// directory, starts the release `seqd` built next to this program as a child process over TLS with
// a self-signed certificate, and installs onto simulated cards in this process with
// `SequenceClient` (`InstallClient` + `NetworkedInstall`, a new HTTPS client per install, as a new
// `seqplay install` process would be):
//
// (a) exchanges: HTTP requests per install, bundle and relay mode, 10 and 500 commands and brokerage;
// (b) latency: the same installs through a local TCP proxy that holds every chunk 25 ms each way
//     (50 ms a round trip), bundle against relay mode, medians over the rounds;
// (c) load: a fresh seqd, then `--concurrent` (200) installs of brokerage started at once onto as
//     many distinct cards: installs per second, p50/p99 latency, errors, seqd's peak RSS (VmHWM).
import Foundation
import SequenceClient
import SequenceProtocol
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

struct Options {
    var rounds = 3
    var concurrent = 200
    var delayEachWay = 25
    var seqd: String?

    init(arguments: [String]) throws {
        var iterator = arguments.makeIterator()
        while let argument = iterator.next() {
            func value() throws -> String {
                guard let value = iterator.next() else { throw BenchmarkError("\(argument) needs a value") }
                return value
            }
            func number() throws -> Int {
                guard let number = Int(try value()), number > 0 else {
                    throw BenchmarkError("\(argument) needs a positive number")
                }
                return number
            }
            switch argument {
            case "--rounds": rounds = try number()
            case "--concurrent": concurrent = try number()
            case "--delay-ms": delayEachWay = try number()
            case "--seqd": seqd = try value()
            default:
                throw BenchmarkError(
                    "usage: netbench [--rounds N] [--concurrent N] [--delay-ms MS-EACH-WAY] [--seqd PATH]"
                )
            }
        }
    }
}

/// Hands out card numbers, each once.
struct CardNumbers {
    private var next: Int

    init(from first: Int) {
        next = first
    }

    mutating func take() -> Int {
        defer { next += 1 }
        return next
    }
}

func milliseconds(_ seconds: Double) -> String {
    String(format: "%.1f ms", seconds * 1e3)
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1
        ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// The nearest-rank percentile.
func percentile(_ values: [Double], _ fraction: Double) -> Double {
    let sorted = values.sorted()
    let rank = Int((fraction * Double(sorted.count)).rounded(.up))
    return sorted[max(0, min(sorted.count - 1, rank - 1))]
}

func seqdExecutable(_ given: String?) throws -> String {
    if let given { return given }
    let own = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
    let path = own.deletingLastPathComponent().appendingPathComponent("seqd").path
    guard FileManager.default.isExecutableFile(atPath: path) else {
        throw BenchmarkError(
            "no seqd next to netbench (\(path)): build it first with `swift build -c release --product seqd`, "
                + "or give --seqd PATH"
        )
    }
    return path
}

/// The three measurements, each against its own seqd process.
struct Benchmark {
    let options: Options
    let executable: String
    let workspace: Workspace
    static let applications = ["reads-10", "reads-500", "brokerage"]
    let modes: [InstallMode] = [.bundle, .relay]
    /// Cards 0..<concurrent are the load test's; these come after them.
    var cards: CardNumbers

    var applications: [String] { Self.applications }

    init(options: Options) throws {
        self.options = options
        executable = try seqdExecutable(options.seqd)
        workspace = try Workspace(
            cardCount: options.concurrent + Self.applications.count * 2 * (1 + options.rounds) + 1
        )
        cards = CardNumbers(from: options.concurrent)
    }

    /// Runs everything; `false` when (c) had errors.
    mutating func run() async throws -> Bool {
        print("netbench: seqd \(executable), TLS on loopback, simulated cards in this process")
        print("workspace: \(workspace.directory) (\(workspace.cardCount) card-data files)")
        let server = try await SeqdProcess(executable: executable, workspace: workspace, name: "latency")
        do {
            print("seqd pid \(server.pid), \(server.url), VmRSS \(server.memory("VmRSS") ?? 0) kB after start")
            try await measureExchanges(server)
            try await measureLatency(server)
            print("    seqd VmHWM after (a) and (b): \(server.memory("VmHWM") ?? 0) kB")
            server.stop()
        } catch {
            server.stop()
            throw error
        }
        let loaded = try await SeqdProcess(executable: executable, workspace: workspace, name: "load")
        do {
            let clean = try await measureLoad(loaded)
            loaded.stop()
            return clean
        } catch {
            loaded.stop()
            throw error
        }
    }

    func install(
        _ application: String,
        _ mode: InstallMode,
        card: Int,
        url: String,
        server: SeqdProcess
    )
        async throws -> InstallMeasurement
    {
        try await Installer.run(
            application,
            mode: mode,
            on: try workspace.card(card),
            serverURL: url,
            certificatePEM: server.certificatePEM,
            signingKey: workspace.signingKey
        )
    }

    // MARK: - (a)

    mutating func measureExchanges(_ server: SeqdProcess) async throws {
        print()
        print("(a) HTTP requests per install, on loopback (no added latency)")
        print("    application  mode    install commands  card APDUs  requests (outcome / counted)  time")
        var exchanges: [String: Int] = [:]
        for application in applications {
            for mode in modes {
                let card = cards.take()
                let measured = try await install(application, mode, card: card, url: server.url, server: server)
                guard measured.requests == measured.outcome.exchanges else {
                    throw BenchmarkError(
                        "\(application) \(mode.rawValue): the outcome says \(measured.outcome.exchanges) requests, "
                            + "the transport counted \(measured.requests)"
                    )
                }
                exchanges["\(application) \(mode.rawValue)"] = measured.requests
                print(
                    "    "
                        + pad(application, 13) + pad(mode.rawValue, 8) + pad(String(measured.outcome.commandsRun), 18)
                        + pad(String(measured.outcome.apduCount), 12)
                        + pad("\(measured.outcome.exchanges) / \(measured.requests)", 30)
                        + milliseconds(measured.seconds)
                )
            }
        }
        let bundleCounts = Set(applications.compactMap { exchanges["\($0) bundle"] })
        print(
            "    bundle mode: \(bundleCounts.count == 1 ? "the same" : "NOT the same") number of requests "
                + "whatever the size (\(bundleCounts.sorted().map(String.init).joined(separator: ", ")))"
        )
    }

    // MARK: - (b)

    mutating func measureLatency(_ server: SeqdProcess) async throws {
        print()
        print(
            "(b) install time through a delay proxy: +\(options.delayEachWay) ms each way per chunk "
                + "(+\(2 * options.delayEachWay) ms a round trip); a new HTTPS connection per install; "
                + "median (min-max) of \(options.rounds) rounds"
        )
        let proxy = try DelayProxy(targetPort: server.port, delayEachWay: .milliseconds(options.delayEachWay))
        defer { proxy.stop() }
        let url = "https://127.0.0.1:\(proxy.port)"
        for application in applications {
            var times: [InstallMode: [Double]] = [:]
            var requests: [InstallMode: Int] = [:]
            for round in 0..<options.rounds {
                // Alternate the order, so neither mode always runs on a warmer server.
                for mode in round % 2 == 0 ? modes : modes.reversed() {
                    let card = cards.take()
                    let measured = try await install(application, mode, card: card, url: url, server: server)
                    times[mode, default: []].append(measured.seconds)
                    requests[mode] = measured.requests
                }
            }
            var line = "    " + pad(application, 11)
            for mode in modes {
                let values = times[mode] ?? []
                line +=
                    "  \(mode.rawValue) \(milliseconds(median(values))) (\(milliseconds(values.min() ?? 0))-"
                    + "\(milliseconds(values.max() ?? 0)), \(requests[mode] ?? 0) requests)"
            }
            let ratio = median(times[.relay] ?? []) / median(times[.bundle] ?? [])
            print(line + String(format: "  relay/bundle %.1fx", ratio))
        }
        print("    connections through the proxy: \(proxy.connections.load(ordering: .relaxed))")
    }

    // MARK: - (c)

    /// The load test; `false` when an install failed.
    mutating func measureLoad(_ server: SeqdProcess) async throws -> Bool {
        print()
        print(
            "(c) \(options.concurrent) concurrent brokerage installs onto \(options.concurrent) distinct cards, "
                + "fresh seqd over loopback TLS"
        )
        let startRSS = server.memory("VmRSS") ?? 0
        // One install first, so the burst does not measure the first connection's set-up costs.
        let card = cards.take()
        let warmUp = try await install("brokerage", .bundle, card: card, url: server.url, server: server)
        let channels = try (0..<options.concurrent).map { try workspace.card($0) }
        let url = server.url
        let certificate = server.certificatePEM
        let signingKey = workspace.signingKey
        let cpuBefore = server.cpuSeconds() ?? 0
        let ownCPUBefore = processCPUSeconds()
        let clock = ContinuousClock()
        let burstStart = clock.now
        let results = await withTaskGroup(of: Result<InstallMeasurement, BenchmarkError>.self) { group in
            for channel in channels {
                group.addTask {
                    do {
                        return .success(
                            try await Installer.run(
                                "brokerage",
                                mode: .bundle,
                                on: channel,
                                serverURL: url,
                                certificatePEM: certificate,
                                signingKey: signingKey
                            )
                        )
                    } catch {
                        return .failure(BenchmarkError("\(error)"))
                    }
                }
            }
            var results: [Result<InstallMeasurement, BenchmarkError>] = []
            for await result in group { results.append(result) }
            return results
        }
        let wall = Installer.seconds(clock.now - burstStart)
        let cpu = (server.cpuSeconds() ?? 0) - cpuBefore
        let ownCPU = processCPUSeconds() - ownCPUBefore
        let succeeded = results.compactMap { try? $0.get() }
        let latencies = succeeded.map(\.seconds)
        var failures: [String: Int] = [:]
        for case .failure(let error) in results { failures[error.description, default: 0] += 1 }
        let wrongCounts = succeeded.filter { $0.requests != 3 }.count
        print("    warm-up install: \(milliseconds(warmUp.seconds))")
        print(String(format: "    wall time %.2f s: %.1f installs/s", wall, Double(latencies.count) / wall))
        if !latencies.isEmpty {
            print(
                "    latency per install (new client to the server's last answer): p50 "
                    + "\(milliseconds(percentile(latencies, 0.5))), p99 \(milliseconds(percentile(latencies, 0.99))), "
                    + "max \(milliseconds(latencies.max() ?? 0))"
            )
        }
        print(
            "    errors: \(results.count - latencies.count) of \(results.count); "
                + "installs not taking 3 requests: \(wrongCounts)"
        )
        for (message, count) in failures.sorted(by: { $0.value > $1.value }).prefix(5) {
            print("      \(count)x \(message)")
        }
        print(
            "    seqd memory: VmRSS \(startRSS) kB after start, VmHWM \(server.memory("VmHWM") ?? 0) kB peak, "
                + "VmRSS \(server.memory("VmRSS") ?? 0) kB after the burst"
        )
        print(String(format: "    seqd CPU during the burst: %.2f s (%.0f%% of one core)", cpu, cpu / wall * 100))
        print(
            String(
                format: "    this process (clients and cards) during the burst: %.2f s CPU (%.0f%% of one core)",
                ownCPU,
                ownCPU / wall * 100
            )
        )
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        print("    this process: peak RSS \(usage.ru_maxrss) kB")
        return results.count == latencies.count && wrongCounts == 0
    }
}

/// This process's CPU time so far (user and system), in seconds.
func processCPUSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

func pad(_ text: String, _ width: Int) -> String {
    text.padding(toLength: max(width, text.count + 1), withPad: " ", startingAt: 0)
}

do {
    var benchmark = try Benchmark(options: Options(arguments: Array(CommandLine.arguments.dropFirst())))
    let clean = try await benchmark.run()
    benchmark.workspace.remove()
    exit(clean ? 0 : 1)
} catch {
    FileHandle.standardError.write(Data("netbench: error: \(error)\n".utf8))
    exit(1)
}
