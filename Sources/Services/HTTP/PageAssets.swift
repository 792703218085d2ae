import Hummingbird

/// The pages people use: the hub console and the lounge desk, as the HTML,
/// CSS and JavaScript files in `Sources/Services/Console/` and `Lounge/` (read, linted and
/// edited as what they are), embedded in the binary at build time
/// (`.embedInCode` in the manifest), so one self-contained binary serves
/// them with no file beside it and no CDN.
enum PageAssets {
    /// Serves `page` at `/{page}` and its stylesheet and script at
    /// `/{page}/{page}.css` and `/{page}/{page}.js`, under `policy`.
    static func add<Context: RequestContext>(
        _ page: Page, to router: Router<Context>, contentSecurityPolicy policy: String
    ) {
        for (path, bytes, type) in [
            ("/\(page.name)", page.html, "text/html; charset=utf-8"),
            ("/\(page.name)/\(page.name).css", page.css, "text/css; charset=utf-8"),
            ("/\(page.name)/\(page.name).js", page.javaScript, "text/javascript; charset=utf-8"),
        ] {
            router.get(RouterPath(path)) { _, _ -> Response in
                Response(
                    status: .ok,
                    headers: [.contentType: type, .contentSecurityPolicy: policy, .cacheControl: "no-store"],
                    body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
            }
        }
    }

    struct Page {
        var name: String
        var html: [UInt8]
        var css: [UInt8]
        var javaScript: [UInt8]
    }

    /// The hub console: operators log in; the fleet table updates live over
    /// server-sent events, problems first, sortable and filterable; a node's
    /// detail shows its last hours as charts (Chart.js from the system's
    /// libjs-chart.js, `/console/chart.js`) with its conflicts and audit
    /// entries; the conflict ledger lets operators accept or override.
    static let console = Page(
        name: "console", html: PackageResources.console_html, css: PackageResources.console_css,
        javaScript: PackageResources.console_js)

    /// The lounge desk, served by the node itself (the desk must work when
    /// the mall's WAN is down): staff log in with id and PIN, scan or type a
    /// member code or card number, and see who it is, their tier and guest
    /// allowance, and the outcome. A banner says when the node is offline
    /// and how long since it last heard from the hub.
    static let lounge = Page(
        name: "lounge", html: PackageResources.lounge_html, css: PackageResources.lounge_css,
        javaScript: PackageResources.lounge_js)
}
