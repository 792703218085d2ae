public import Hummingbird

/// The hub's HTTP surface for operators and tools.
///
/// - `GET /v1/fleet`: every node's sync state as the hub sees it (admin token or a console session).
/// - `GET /v1/digests`: a canonical hash of each channel's rows (the same).
/// - `GET /v1/health`: 200 while the process serves; 503 once the store's
///   sync failed, until the process stops (`DurabilityWatch`).
/// - `/v1/admin/…`: gift codes, gift keys and staff (see `HubAdminRoutes`).
/// - `GET /metrics`: Prometheus text format (see `HubMetrics`).
/// - `/console`, `/v1/console/…`: the operators' console (see `ConsoleRoutes`).
public enum HubAPI {
    public static func router(hub: Hub) -> Router<APIRequestContext> {
        let coordinator = hub.coordinator
        let router = Router(context: APIRequestContext.self)
        let declared = APIHygiene.install(on: router, logger: coordinator.logger)
        router.get("/v1/health") { _, _ in
            try StoreHealth.requireDurable(coordinator.groupCommit)
            return "ok\n"
        }
        HubAdminRoutes.add(to: router, hub: hub)
        ConsoleRoutes.add(to: router, hub: hub, chartJS: coordinator.policies.chartJSPath)
        if let metrics = coordinator.metrics {
            router.get("/metrics") { _, _ -> Response in
                metrics.record(await coordinator.fleet())
                metrics.recordOpenConflicts(try await coordinator.conflicts(openOnly: true).map(\.kind))
                return Response(
                    status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                    body: .init(byteBuffer: .init(string: metrics.exposition())))
            }
        }
        declared.declare(router.routes)
        return router
    }
}
