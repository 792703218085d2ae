import CPNG
import CQRencode

/// A QR code symbol made by libqrencode (the only module that touches it),
/// and drawn as SVG or as a PNG (written by libpng): gift codes are printed
/// or shown from this.
public struct QRCode: Sendable {
    public enum Level: Sendable {
        case low, medium, quartile, high

        var c: QRecLevel {
            switch self {
            case .low: QR_ECLEVEL_L
            case .medium: QR_ECLEVEL_M
            case .quartile: QR_ECLEVEL_Q
            case .high: QR_ECLEVEL_H
            }
        }
    }

    /// Why no symbol could be made (text too long for any version, or out of memory).
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// The symbol version (1…40); it grows with the text.
    public let version: Int
    /// Modules per side.
    public let size: Int
    private let dark: [Bool]

    /// Encodes `text`, choosing the smallest version that holds it at `level`.
    /// libqrencode picks alphanumeric mode for text in that set (a gift code's Base45).
    public init(_ text: String, level: Level = .quartile) throws(Failure) {
        guard let symbol = QRcode_encodeString(text, 0, level.c, QR_MODE_8, 1) else {
            throw Failure(description: "libqrencode could not encode \(text.utf8.count) bytes at this level")
        }
        defer { QRcode_free(symbol) }
        version = Int(symbol.pointee.version)
        size = Int(symbol.pointee.width)
        // Bit 0 of each module's byte is 1 for a dark module.
        dark = (0..<(size * size)).map { symbol.pointee.data[$0] & 1 == 1 }
    }

    public func isDark(x: Int, y: Int) -> Bool { dark[y * size + x] }

    /// A greyscale PNG of the symbol, with the quiet zone the standard asks for.
    public func png(moduleSize: Int = 8, quietZone: Int = 4) throws(Failure) -> [UInt8] {
        let side = (size + 2 * quietZone) * moduleSize
        var pixels = [UInt8](repeating: 0xFF, count: side * side)
        for y in 0..<size {
            for x in 0..<size where isDark(x: x, y: y) {
                for row in 0..<moduleSize {
                    let start = ((y + quietZone) * moduleSize + row) * side + (x + quietZone) * moduleSize
                    pixels.replaceSubrange(start..<(start + moduleSize), with: repeatElement(0, count: moduleSize))
                }
            }
        }
        var image = png_image()
        image.version = png_uint_32(PNG_IMAGE_VERSION)
        image.width = png_uint_32(side)
        image.height = png_uint_32(side)
        image.format = png_uint_32(PNG_FORMAT_GRAY)
        // The first call measures, the second writes.
        var length = 0
        guard png_image_write_to_memory(&image, nil, &length, 0, pixels, Int32(side), nil) != 0 else {
            throw Failure(description: "libpng could not size the image: \(Self.message(of: &image))")
        }
        var bytes = [UInt8](repeating: 0, count: length)
        guard png_image_write_to_memory(&image, &bytes, &length, 0, pixels, Int32(side), nil) != 0 else {
            throw Failure(description: "libpng could not write the image: \(Self.message(of: &image))")
        }
        png_image_free(&image)
        return Array(bytes.prefix(length))
    }

    private static func message(of image: inout png_image) -> String {
        withUnsafeBytes(of: &image.message) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
    }

    /// An SVG of the symbol with the quiet zone the standard asks for (4 modules).
    public func svg(moduleSize: Int = 8, quietZone: Int = 4) -> String {
        let side = (size + 2 * quietZone) * moduleSize
        var path = ""
        for y in 0..<size {
            for x in 0..<size where isDark(x: x, y: y) {
                path +=
                    "M\((x + quietZone) * moduleSize) \((y + quietZone) * moduleSize)h\(moduleSize)v\(moduleSize)h-\(moduleSize)z"
            }
        }
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(side)" height="\(side)" viewBox="0 0 \(side) \(side)" \
            shape-rendering="crispEdges"><rect width="100%" height="100%" fill="#fff"/><path d="\(path)" fill="#000"/></svg>
            """
    }
}
