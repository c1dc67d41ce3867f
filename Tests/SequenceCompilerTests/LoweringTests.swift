import APDUTypes
import SequenceCompiler
import Testing

/// Byte-exact encodings of each command against the specification tables they come from.
struct LoweringTests {
    /// GPCS v2.3.1 section 11.9 SELECT: `00 A4 04 00 Lc AID 00`; P2 `0C` asks for no response data.
    @Test func selectByAID() throws {
        let commands = try Inline.commands(
            steps: """
                  - select: A0 00 00 01 51 00 00 00
                  - select: { aid: A000000151000000, returns: none }
                """
        )
        #expect(commands == ["00A4040008A00000015100000000", "00A4040C08A000000151000000"])
    }

    /// GPCS v2.3.1 section 11.2 DELETE: P2 `80` deletes related objects; data `4F` + AID; Le `00`.
    @Test func deleteWithAndWithoutRelatedObjects() throws {
        let result = try Inline.compile(
            steps: """
                  - delete: { aid: A0000001515350, related: true, missing-ok: true }
                  - delete: A0000001515350
                """
        )
        let plan = try #require(result.plan)
        #expect(
            plan.commands.map(\.redactedHex) == ["80E40080094F07A000000151535000", "80E40000094F07A000000151535000"]
        )
        #expect(plan.commands[0].expect.map(\.description) == ["9000", "6A88"])
        #expect(plan.commands[1].expect.map(\.description) == ["9000"])
    }

    /// GPCS v2.3.1 section 11.5.2.3: INSTALL [for install and make selectable] is P1 `0C`, the
    /// data is length-prefixed load file AID, module AID, application AID, privileges, install
    /// parameters (with the mandatory `C9`) and token.
    @Test func installForInstallAndMakeSelectable() throws {
        let commands = try Inline.commands(
            fields: """
                fields:
                  limit: { type: integer, from: data.limit }
                """,
            steps: """
                  - install:
                      package: A0000001515350
                      module: A000000151535041
                      instance: A00000015153504101
                      privileges: [card-reset]
                      parameters: "{{ tlv(0xC1, u16(limit)) }}"
                """
        )
        #expect(
            commands == [
                "80E60C002507A000000151535008A00000015153504109A00000015153504101010406C904C10203E80000"
            ]
        )
    }

    /// Privileges of the second and third byte force the 3-byte encoding (GPCS v2.3.1 table 6-1);
    /// P1 `04` installs without making selectable.
    @Test func threeBytePrivilegesAndInstallOnly() throws {
        let commands = try Inline.commands(
            steps: """
                  - install:
                      package: A0000001515350
                      module: A000000151535041
                      privileges: [security-domain, global-delete, contactless-activation]
                      selectable: false
                """
        )
        #expect(commands == ["80E604002207A000000151535008A00000015153504108A0000001515350410380102002C9000000"])
    }

    /// STORE DATA P1: b8 last block, b7-b6 `11` encrypted, b5-b4 `01` DGI / `10` BER-TLV; P2 counts from 00.
    @Test func storeDataFlagsAndNumbering() throws {
        let commands = try Inline.commands(
            fields: """
                fields:
                  key: { type: bytes, length: 16, secret: true, from: data.key }
                """,
            steps: """
                  - store-data:
                      data:
                        - { dgi: "0101", value: "0102" }
                        - { tlv: 5F20, value: "4A" }
                        - { raw: "AABB" }
                        - { dgi: "8001", value: "{{ key }}", encrypted: true }
                """
        )
        #expect(
            commands == [
                "80E2080005010102010200", "80E21001045F20014A00", "80E2000202AABB00",
                "80E2E80313800110********************************00",
            ]
        )
    }

    /// A DGI of 255 bytes or more takes the three-byte length `FF xx xx` (EMV CPS section 3.3).
    @Test func longDGILength() throws {
        let commands = try Inline.commands(
            steps: """
                  - store-data:
                      data:
                        - { dgi: "0202", value: "{{ pad(0x00, 200) }}" }
                """,
            options: CompileOptions(secureChannel: .none, securityLevel: .none)
        )
        #expect(commands.count == 1)
        #expect(commands[0].hasPrefix("80E28800CB0202C8"))
    }

    /// PUT KEY for AES (GPCS Amendment D): new version, then per key `88`, length, key length,
    /// key, `03` and the key check value; P2 b8 set for several keys.
    @Test func putKeyBlocks() throws {
        let result = try Inline.compile(
            fields: """
                fields:
                  key: { type: bytes, length: 16, secret: true, from: data.key }
                """,
            steps: """
                  - put-key:
                      version: 0x31
                      replaces: 0x30
                      keys:
                        - { type: aes, value: "{{ key }}" }
                        - { type: aes, value: "{{ key }}" }
                """
        )
        let command = try #require(result.plan?.commands.first)
        let stars = String(repeating: "*", count: 32)
        #expect(command.redactedHex == "80D830812F31881110\(stars)03??????881110\(stars)03??????00")
        #expect(command.protection == .keyBlocks)
        #expect(command.isSensitive)
    }

    /// SET STATUS (GPCS v2.3.1 section 11.10): P1 `80` card, `40` application, `60` security domain and its applications.
    @Test func setStatusScopes() throws {
        let commands = try Inline.commands(
            steps: """
                  - set-status: { scope: card, state: locked }
                  - set-status: { scope: application, aid: A000000151535041, state: locked }
                  - set-status: { scope: security-domain, aid: A000000151000000, state: "0x0F" }
                """
        )
        #expect(commands == ["80F0807F", "80F0408008A000000151535041", "80F0600F08A000000151000000"])
    }

    /// LOAD block sizes follow the secure channel: 255 plain, 247 with a C-MAC, 239 with C-MAC and
    /// encryption, 223 for SCP03 with 16-byte MACs and encryption.
    @Test func maximumDataLengths() {
        #expect(CompileOptions(secureChannel: .none, securityLevel: .none).maximumDataLength == 255)
        #expect(CompileOptions(secureChannel: .scp03, securityLevel: .mac).maximumDataLength == 247)
        #expect(CompileOptions(secureChannel: .scp03, securityLevel: .macEncrypt).maximumDataLength == 239)
        #expect(CompileOptions(secureChannel: .scp02, securityLevel: .macEncrypt).maximumDataLength == 239)
        #expect(
            CompileOptions(secureChannel: .scp03, securityLevel: .macEncrypt, macLength: 16).maximumDataLength == 223
        )
        #expect(CompileOptions(secureChannel: .scp03, securityLevel: .mac, macLength: 16).maximumDataLength == 239)
    }

    /// ISO/IEC 7816-4 table 11-12: FCP with size `80`, descriptor `82` (EF transparent `01 21`),
    /// FID `83`, SFI `88` (SFI in bits 8-4), life cycle `8A`, compact security `8C`.
    @Test func createTransparentFile() throws {
        let commands = try Inline.commands(
            profile: .iso7816,
            steps: """
                  - create-file:
                      type: transparent
                      fid: 5101
                      size: 64
                      sfi: 1
                      life-cycle: activated
                      security: { read: always, update: sm+external-auth }
                """
        )
        // 8C: access mode 03 (bits 2 and 1), then SC for update (E0: all of SM and external
        // authentication) and read (00: always), from b7 down to b1.
        #expect(commands == [Inline.hex("00E0000019 6217 80020040 82020121 83025101 880108 8A0105 8C0303E000")])
    }

    /// Records: descriptor `02` linear fixed, data coding `21`, 2-byte record size, 1-byte count.
    @Test func createRecordFilesAndDF() throws {
        let commands = try Inline.commands(
            profile: .iso7816,
            steps: """
                  - create-file: { type: linear-fixed, fid: 5102, record-size: 8, records: 2 }
                  - create-file: { type: cyclic, fid: 5103, record-size: 16, records: 10 }
                  - create-file: { type: df, fid: 5100, name: A000000077, size: 2048 }
                """
        )
        #expect(
            commands == [
                Inline.hex("00E000000D 620B 82050221000802 83025102"),
                Inline.hex("00E000000D 620B 8205062100100A 83025103"),
                Inline.hex("00E0000014 6212 81020800 820138 83025100 8405A000000077"),
            ]
        )
    }

    /// UPDATE BINARY splits data into chunks; the first may address the EF by SFI (P1 `80|SFI`),
    /// later ones carry the 15-bit offset in P1-P2.
    @Test func updateBinarySplitsAndAddressesBySFI() throws {
        let commands = try Inline.commands(
            profile: .iso7816,
            steps: """
                  - update-binary: { sfi: 3, offset: 16, chunk: 100, data: "{{ pad(0x11, 250, 0x11) }}" }
                """
        )
        #expect(commands.count == 3)
        #expect(commands[0].hasPrefix("00D6831064"))
        #expect(commands[1].hasPrefix("00D6007464"))
        #expect(commands[2].hasPrefix("00D600D832"))
    }

    /// UPDATE RECORD: P1 record number, P2 `SFI << 3 | 04`; APPEND RECORD: P2 `SFI << 3`.
    @Test func recordCommands() throws {
        let commands = try Inline.commands(
            profile: .iso7816,
            steps: """
                  - update-record: { sfi: 2, record: 1, data: "0102" }
                  - update-record: { record: 3, data: "03" }
                  - append-record: { sfi: 3, data: "04" }
                  - delete-file: 5100
                  - activate-file:
                """
        )
        #expect(
            commands == ["00DC0114020102", "00DC03040103", Inline.hex("00E2001801 04"), "00E40000025100", "00440000"]
        )
    }

    /// Data that cannot be split and does not fit one command is an error at the value.
    @Test func dataTooLongIsReportedAtTheValue() throws {
        let problems = try Inline.problems(
            steps: """
                  - put-data: { tag: 5F50, data: "{{ pad(0x00, 250) }}" }
                """
        )
        #expect(problems == ["value.too-long@7:34"])
    }
}
