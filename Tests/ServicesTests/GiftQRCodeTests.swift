import BrokerHarness
import Crypto
import Foundation
import MallDomain
import QRCodes
import Services
import Testing

private let scanner = FileManager.default.isExecutableFile(atPath: "/usr/bin/zbarimg")
private let scannerAndBrowser = scanner && HeadlessBrowser.executable != nil

/// Gift codes as QR codes: drawn by libqrencode at the hub, read back by a
/// real scanner (zbarimg) from what a real browser renders and from the PNG.
@Suite struct GiftQRCodeTests {
    @Test func theLongestGiftCodeFitsVersion10AtLevelQ() throws {
        var token = GiftToken(
            mall: "mall-sh", groupWide: true, keyNumber: .max, codeNumber: .max, validFrom: 1, validTo: .max,
            member: String(repeating: "m", count: GiftToken.maxFieldBytes),
            gift: String(repeating: "会", count: GiftToken.maxFieldBytes / 3))
        let longest = try token.signed(with: Curve25519.Signing.PrivateKey())
        #expect(try QRCode(longest, level: .quartile).version <= 10)
        token.member = "m-000042"
        token.gift = "tea-set"
        #expect(try QRCode(try token.signed(with: Curve25519.Signing.PrivateKey()), level: .quartile).version <= 9)
    }

    /// Issues a code at a fresh hub; `check` gets it and a scanner.
    func withIssuedCode(gift: String, _ check: (IssuedGiftCode, (Data) async throws -> [String]) async throws -> Void)
        async throws
    {
        let fleet = try InMemoryFleet()
        defer { fleet.remove() }
        let (hub, _) = try fleet.hub(fleet: ["c1": .init(mall: InMemoryFleet.mall, role: .gift)])
        let issued = try await hub.gifts.issueGiftCode(
            mall: InMemoryFleet.mall, member: "m-000042", gift: gift, validFrom: nil,
            validTo: Int64(Date().timeIntervalSince1970 * 1000) + 86_400_000, actor: "test")
        #expect(issued.qrVersion <= 10)
        try await check(issued) { image in
            let png = fleet.directory.appendingPathComponent("code-\(UUID().uuidString).png")
            try image.write(to: png)
            let output = fleet.directory.appendingPathComponent("zbar-\(UUID().uuidString).txt").path
            let zbar = try ChildProcess(
                executable: "/usr/bin/zbarimg", arguments: ["--raw", "-q", png.path], outputFile: output)
            #expect(await zbar.exited() == 0)
            // (zbarimg's stderr, merged in, may carry D-Bus noise: the decoded text is its own line.)
            let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").map(String.init)
            return lines.filter { $0.hasPrefix(GiftToken.prefix) }
        }
    }

    @Test(.enabled(if: scannerAndBrowser, "needs chromium and zbarimg (deploy/scripts/install-deps.sh)"))
    func aScannerReadsTheIssuedCodeBackFromTheRenderedSVG() async throws {
        try await withIssuedCode(gift: "tea-set") { issued, scan in
            // Render the SVG as a counter's screen would, photograph it, and scan it.
            let browser = try await HeadlessBrowser()
            let page = "<html><body style='margin:0;background:#fff'>\(issued.qrSvg)</body></html>"
            try await browser.open("data:text/html;base64," + Data(page.utf8).base64EncodedString())
            let scanned = try await scan(browser.screenshot())
            #expect(scanned == [issued.text])
        }
    }

    @Test(.enabled(if: scanner, "needs zbarimg (deploy/scripts/install-deps.sh)"))
    func aScannerReadsTheIssuedCodeBackFromThePNG() async throws {
        try await withIssuedCode(gift: "会员礼品") { issued, scan in
            let scanned = try await scan(try #require(Data(base64Encoded: issued.qrPng)))
            #expect(scanned == [issued.text])
        }
    }
}
