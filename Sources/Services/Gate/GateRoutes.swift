import Hummingbird
import MallDomain
import SyncCore

/// The parking gate: `POST /v1/gate/reads` (a camera read at a lane,
/// decided from the replica and recorded before the answer; the gate
/// controller's device token) and `POST /v1/gate/overrides` (staff with
/// `gate.override` lift the barrier by hand).
enum GateRoutes {
    static func add(to router: some RouterMethods<APIRequestContext>, auth: NodeAuthentication) {
        let coordinator = auth.coordinator
        router.post("/v1/gate/reads") { request, context -> Response in
            _ = try await auth.require(.gateRead, context)
            let body = try await RequestBody.decode(
                GateReadRequest.self, from: request, rawFields: ["plate", "alternatives"])
            let passage: GatePassage
            do {
                passage = try await coordinator.decideGate(
                    GateRead(lane: body.lane, direction: body.direction, plate: body.read))
            } catch let error as SyncError where error.code == .invalidWrite {
                throw HTTPError(.badRequest, message: error.detail)
            } catch {
                throw StorageUnavailable(action: "not decided", hint: "ask staff", underlying: error)
            }
            return try GateReadResponse(passage, raw: body.read.text).response(from: request, context: context)
                .withStatus(.created)
        }
        router.post("/v1/gate/overrides") { request, context -> Response in
            let caller = try await auth.require(.gateOverride, context, target: "gate")
            let body = try await RequestBody.decode(GateOverrideRequest.self, from: request)
            do {
                let (key, reservation) = try await coordinator.overrideGate(
                    lane: body.lane, direction: body.direction, plate: body.plate, reservationID: body.reservationId,
                    reason: body.reason, caller: caller)
                return try JSONBody(["passage": key, "decision": "admit", "reservation": reservation?.id ?? ""])
                    .response(from: request, context: context).withStatus(.created)
            } catch let error as GateOverrideError {
                throw HTTPError(.unprocessableContent, message: error.description)
            }
        }
    }
}
