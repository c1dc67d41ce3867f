import APDUTypes
import BundleFormat
import CardSimulator
import Foundation
import SequencePlayer
import SequenceProtocol
import SequenceServer
import Testing

/// Every refusal: its HTTP status, its reason code, and that nothing is recorded wrongly.
@Suite
struct BadInputTests {
    @Test func malformedJSONIs400() async throws {
        let harness = try ServerHarness.make()
        let answer = try await harness.withClient { client in
            try await client.post("/v1/installs", bytes: Array("{\"protocolVersion\": 1, \"application\":".utf8))
        }
        #expect(answer.status == 400)
        #expect(answer.errorCode == "malformed-request")
        #expect(try await harness.service.registry.sessions().isEmpty)
        let events = try await harness.service.registry.auditEvents()
        #expect(events.map(\.code) == ["malformed-request"])
        #expect(events.map(\.status) == [400])
    }

    @Test func wrongMessageShapeIs400() async throws {
        let harness = try ServerHarness.make()
        let answer = try await harness.withClient { client in
            try await client.post("/v1/installs", bytes: Array(#"{"protocolVersion": 1, "mode": "bundle"}"#.utf8))
        }
        #expect(answer.status == 400)
        #expect(answer.errorCode == "malformed-request")
        #expect(String(decoding: answer.body, as: UTF8.self).contains("missing 'application'"))
    }

    @Test func unknownModeIs400() async throws {
        let harness = try ServerHarness.make()
        let answer = try await harness.withClient { client in
            try await client.post(
                "/v1/installs",
                bytes: Array(#"{"protocolVersion": 1, "application": "brokerage", "mode": "teleport"}"#.utf8)
            )
        }
        #expect(answer.status == 400)
        #expect(answer.errorCode == "malformed-request")
    }

    @Test func oversizedBodyIs413() async throws {
        let harness = try ServerHarness.make()
        let answer = try await harness.withClient { client in
            let padding = String(repeating: " ", count: SequenceProtocol.maximumRequestSize)
            return try await client.post(
                "/v1/installs",
                bytes: Array((#"{"protocolVersion": 1, "application": "brokerage", "mode": "bundle"}"# + padding).utf8)
            )
        }
        #expect(answer.status == 413)
        #expect(answer.errorCode == "request-too-large")
        #expect(try await harness.service.registry.sessions().isEmpty)
    }

    @Test func bodyAtTheLimitIsRead() async throws {
        let harness = try ServerHarness.make()
        let answer = try await harness.withClient { client in
            let message = #"{"protocolVersion": 1, "application": "brokerage", "mode": "bundle"}"#
            let padding = String(repeating: " ", count: SequenceProtocol.maximumRequestSize - message.utf8.count)
            return try await client.post("/v1/installs", bytes: Array((message + padding).utf8))
        }
        #expect(answer.status == 201)
    }

    @Test func unknownApplicationIs404() async throws {
        let harness = try ServerHarness.make()
        let answer = try await harness.withClient { client in
            try await client.post("/v1/installs", InstallRequest(application: "casino"))
        }
        #expect(answer.status == 404)
        #expect(answer.errorCode == "unknown-application")
        #expect(try await harness.service.registry.sessions().isEmpty)
    }

    @Test func otherProtocolVersionIs400() async throws {
        let harness = try ServerHarness.make()
        let answer = try await harness.withClient { client in
            try await client.post("/v1/installs", InstallRequest(protocolVersion: 2, application: "brokerage"))
        }
        #expect(answer.status == 400)
        #expect(answer.errorCode == "unsupported-version")
    }

    @Test func fileCardApplicationGetsTheFileCardProbe() async throws {
        let harness = try ServerHarness.make()
        let answer = try await harness.withClient { client in
            try await client.post("/v1/installs", InstallRequest(application: "loyalty"))
        }
        #expect(answer.status == 201)
        #expect(try answer.decode(ProbeResponse.self).probe.commands.last?.purpose == "get-challenge")
        #expect(try await harness.service.registry.sessions().map(\.state) == ["probed"])
    }

    @Test func fileCardAnswersOutOfOrderAre422AndTheSessionStays() async throws {
        let harness = try ServerHarness.make()
        let (wrong, missing) = try await harness.withClient { client in
            let probe = try await client.start("loyalty")
            let wrong = try await client.post(
                "/v1/installs/\(probe.session)/answers",
                ProbeAnswers(answers: [ProbeAnswer(purpose: "select-gdo", response: "9000")])
            )
            let missing = try await client.post(
                "/v1/installs/\(probe.session)/answers",
                ProbeAnswers(answers: [ProbeAnswer(purpose: "select-mf", response: "9000")])
            )
            return (wrong, missing)
        }
        #expect(wrong.status == 422)
        #expect(wrong.errorCode == "answers-mismatch")
        #expect(missing.status == 422)
        #expect(missing.errorCode == "answers-mismatch")
        #expect(try await harness.service.registry.sessions().map(\.state) == ["probed"])
    }

    @Test func unknownSessionIs404() async throws {
        let harness = try ServerHarness.make()
        let (answers, receipt, relay) = try await harness.withClient { client in
            let id = String(repeating: "AB", count: 16)
            return (
                try await client.post("/v1/installs/\(id)/answers", ProbeAnswers(answers: [])),
                try await client.post("/v1/installs/\(id)/receipt", Self.emptyReceipt),
                try await client.post("/v1/installs/\(id)/relay", RelayExchange(response: nil))
            )
        }
        for answer in [answers, receipt, relay] {
            #expect(answer.status == 404)
            #expect(answer.errorCode == "unknown-session")
        }
    }

    @Test func expiredSessionIs410AndRecorded() async throws {
        let harness = try ServerHarness.make(sessionLifetime: 60)
        let channel = try TestCards.channel()
        let (late, again, session) = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            harness.clock.advance(by: 60)
            let late = try await client.post("/v1/installs/\(probe.session)/answers", answers)
            let again = try await client.post("/v1/installs/\(probe.session)/answers", answers)
            return (late, again, probe.session)
        }
        #expect(late.status == 410)
        #expect(late.errorCode == "session-expired")
        #expect(again.status == 410)
        let sessions = try await harness.service.registry.sessions()
        #expect(sessions.map(\.state) == ["expired"])
        #expect(try await harness.service.registry.installs().isEmpty)
        #expect(try await harness.service.registry.auditEvents(session: session).map(\.action).contains("expire"))
    }

    @Test func sessionJustBeforeExpiryStillWorks() async throws {
        let harness = try ServerHarness.make(sessionLifetime: 60)
        let channel = try TestCards.channel()
        let answer = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            harness.clock.advance(by: 59)
            return try await client.post("/v1/installs/\(probe.session)/answers", answers)
        }
        #expect(answer.status == 200)
    }

    @Test func expiredBundleSessionRecordsTheInstallAsExpired() async throws {
        let harness = try ServerHarness.make(sessionLifetime: 60)
        let channel = try TestCards.channel()
        let (late, receipt) = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            let step = try await client.post("/v1/installs/\(probe.session)/answers", answers).decode(InstallStep.self)
            let text = try #require(step.bundle)
            let receipt = try await TestCards.player(harness.service).play(bytes: Array(text.utf8), over: channel)
            harness.clock.advance(by: 61)
            return (try await client.post("/v1/installs/\(probe.session)/receipt", receipt), receipt)
        }
        #expect(receipt.outcome.status == .completed)
        #expect(late.status == 410)
        let install = try #require(try await harness.service.registry.installs().first)
        #expect(install.state == "expired")
        #expect(install.failureReason?.contains("may hold part of the install") == true)
    }

    @Test func answersTwiceIs409() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let second = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            #expect(try await client.post("/v1/installs/\(probe.session)/answers", answers).status == 200)
            return try await client.post("/v1/installs/\(probe.session)/answers", answers)
        }
        #expect(second.status == 409)
        #expect(second.errorCode == "wrong-state")
        #expect(try await harness.service.registry.installs().map(\.state) == ["issued"])
    }

    @Test func receiptBeforeTheBundleIs409() async throws {
        let harness = try ServerHarness.make()
        let answer = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            return try await client.post("/v1/installs/\(probe.session)/receipt", Self.emptyReceipt)
        }
        #expect(answer.status == 409)
        #expect(answer.errorCode == "wrong-state")
    }

    @Test func relayOnABundleSessionIs409() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let answer = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            _ = try await client.post("/v1/installs/\(probe.session)/answers", answers)
            return try await client.post("/v1/installs/\(probe.session)/relay", RelayExchange(response: nil))
        }
        #expect(answer.status == 409)
        #expect(answer.errorCode == "wrong-state")
    }

    @Test func answersOfAnotherSessionAre422AndTheSessionStaysOpen() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let (replayed, honest) = try await harness.withClient { client in
            let first = try await client.start("brokerage")
            let second = try await client.start("brokerage")
            // The card answers the first session's probe; the client posts those answers to the second.
            let firstAnswers = try await TestCards.run(first.probe, on: channel)
            let replayed = try await client.post("/v1/installs/\(second.session)/answers", firstAnswers)
            let secondAnswers = try await TestCards.run(second.probe, on: channel)
            let honest = try await client.post("/v1/installs/\(second.session)/answers", secondAnswers)
            return (replayed, honest)
        }
        #expect(replayed.status == 422)
        #expect(replayed.errorCode == "answers-mismatch")
        #expect(honest.status == 200)
        #expect(try await harness.service.registry.installs().count == 1)
    }

    @Test func answersUsedInAnotherSessionAre422() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let replayed = try await harness.withClient { client in
            let first = try await client.start("brokerage")
            let answers = try await TestCards.run(first.probe, on: channel)
            #expect(try await client.post("/v1/installs/\(first.session)/answers", answers).status == 200)
            let second = try await client.start("brokerage")
            return try await client.post("/v1/installs/\(second.session)/answers", answers)
        }
        #expect(replayed.status == 422)
        #expect(replayed.errorCode == "answers-mismatch")
    }

    @Test func answersOutOfOrderOrMissingAre422() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let (reordered, truncated, notHex) = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            let path = "/v1/installs/\(probe.session)/answers"
            let reordered = try await client.post(path, ProbeAnswers(answers: answers.answers.reversed()))
            let truncated = try await client.post(path, ProbeAnswers(answers: Array(answers.answers.dropLast())))
            var bad = answers
            bad.answers[0].response = "not hex"
            let notHex = try await client.post(path, bad)
            return (reordered, truncated, notHex)
        }
        #expect(reordered.status == 422)
        #expect(reordered.errorCode == "answers-mismatch")
        #expect(truncated.status == 422)
        #expect(truncated.errorCode == "answers-mismatch")
        #expect(notHex.status == 400)
        #expect(try await harness.service.registry.sessions().map(\.state) == ["probed"])
    }

    @Test func cardWithOtherKeysIs403AndTheSessionIsClosed() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel(keys: TestCards.otherKeys())
        let (refused, retried, session) = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            let refused = try await client.post("/v1/installs/\(probe.session)/answers", answers)
            let retried = try await client.post("/v1/installs/\(probe.session)/answers", answers)
            return (refused, retried, probe.session)
        }
        #expect(refused.status == 403)
        #expect(refused.errorCode == "card-authentication-failed")
        #expect(retried.status == 409)
        #expect(retried.errorCode == "wrong-state")
        let registry = harness.service.registry
        #expect(try await registry.installs().isEmpty)
        #expect(try await registry.cards().isEmpty)
        let sessions = try await registry.sessions()
        #expect(sessions.map(\.state) == ["failed"])
        #expect(sessions.first?.reason?.contains("did not authenticate") == true)
        #expect(
            try await registry.auditEvents(session: session).map(\.code) == [
                nil, "card-authentication-failed", "wrong-state",
            ]
        )
    }

    @Test func unknownCardIs422AndClosed() async throws {
        let harness = try ServerHarness.make(cards: CardDataDirectory(records: []))
        let channel = try TestCards.channel()
        let (unknown, again) = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            return (
                try await client.post("/v1/installs/\(probe.session)/answers", answers),
                try await client.post("/v1/installs/\(probe.session)/answers", answers)
            )
        }
        #expect(unknown.status == 422)
        #expect(unknown.errorCode == "unknown-card")
        #expect(again.status == 409)
        #expect(try await harness.service.registry.sessions().map(\.state) == ["failed"])
    }

    @Test func secondSessionOnABusyCardIs409UntilTheFirstExpires() async throws {
        let harness = try ServerHarness.make(sessionLifetime: 60)
        let channel = try TestCards.channel()
        let (busy, later) = try await harness.withClient { client in
            let first = try await client.start("brokerage")
            let firstAnswers = try await TestCards.run(first.probe, on: channel)
            #expect(try await client.post("/v1/installs/\(first.session)/answers", firstAnswers).status == 200)
            let second = try await client.start("brokerage")
            let secondAnswers = try await TestCards.run(second.probe, on: channel)
            let busy = try await client.post("/v1/installs/\(second.session)/answers", secondAnswers)
            harness.clock.advance(by: 61)
            let later = try await InstallRun.perform("brokerage", on: channel, client: client, service: harness.service)
            return (busy, later)
        }
        #expect(busy.status == 409)
        #expect(busy.errorCode == "card-busy")
        #expect(later.result?.status == "installed")
        let installs = try await harness.service.registry.installs()
        #expect(installs.map(\.state) == ["expired", "installed"])
        #expect(try await harness.service.registry.sessions().map(\.state) == ["expired", "failed", "installed"])
    }

    @Test func differentCardsInstallAtTheSameTime() async throws {
        let harness = try ServerHarness.make()
        let first = try TestCards.channel()
        let second = try TestCards.channel("Sequences/cards/gp-second-card.yaml")
        try await harness.withClient { client in
            let a = try await client.start("brokerage")
            let b = try await client.start("brokerage")
            let answersA = try await TestCards.run(a.probe, on: first)
            let answersB = try await TestCards.run(b.probe, on: second)
            #expect(try await client.post("/v1/installs/\(a.session)/answers", answersA).status == 200)
            #expect(try await client.post("/v1/installs/\(b.session)/answers", answersB).status == 200)
        }
        #expect(try await harness.service.registry.installs().count == 2)
    }

    @Test func receiptForAnotherBundleIs422AndTheRightOneIsStillTaken() async throws {
        let harness = try ServerHarness.make()
        let channel = try TestCards.channel()
        let (wrongDigest, contradicting, right) = try await harness.withClient { client in
            let probe = try await client.start("brokerage")
            let answers = try await TestCards.run(probe.probe, on: channel)
            let step = try await client.post("/v1/installs/\(probe.session)/answers", answers).decode(InstallStep.self)
            let text = try #require(step.bundle)
            let receipt = try await TestCards.player(harness.service).play(bytes: Array(text.utf8), over: channel)
            let path = "/v1/installs/\(probe.session)/receipt"
            var other = receipt
            other.bundle.digest = "sha256:" + String(repeating: "0", count: 64)
            let wrongDigest = try await client.post(path, other)
            var lying = receipt
            lying.commands[2].statusWord = "6982"
            let contradicting = try await client.post(path, lying)
            #expect(try await harness.service.registry.installs().map(\.state) == ["issued"])
            return (wrongDigest, contradicting, try await client.post(path, receipt))
        }
        #expect(wrongDigest.status == 422)
        #expect(wrongDigest.errorCode == "receipt-mismatch")
        #expect(contradicting.status == 422)
        #expect(contradicting.errorCode == "receipt-mismatch")
        #expect(right.status == 200)
        #expect(try await harness.service.registry.installs().map(\.state) == ["installed"])
    }

    static let emptyReceipt = Receipt(
        bundle: Receipt.BundleReference(id: "00", digest: "sha256:00", sequence: "x", version: "1", commandCount: 0),
        answerToReset: "",
        startedAt: "2027-01-01T00:00:00Z",
        durationMicroseconds: 0,
        opening: [],
        commands: [],
        outcome: Receipt.Outcome(status: .completed, commandsRun: 0)
    )
}
