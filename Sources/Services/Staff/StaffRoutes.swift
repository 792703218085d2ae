import Hummingbird
import MallDomain
import Storage

/// `POST /v1/staff/sessions` (log in with staff id and PIN),
/// `DELETE /v1/staff/sessions/current` (log out) and `GET /v1/audit?limit=N`
/// (this node's latest audit entries, for managers).
enum StaffRoutes {
    struct LoginRequest: Decodable {
        var staffId: String
        var pin: String

        enum CodingKeys: String, CodingKey, CaseIterable { case staffId, pin }

        init(from decoder: any Decoder) throws {
            let container = try decoder.closedContainer(keyedBy: CodingKeys.self)
            staffId = try container.decode(String.self, forKey: .staffId)
            pin = try container.decode(String.self, forKey: .pin)
            guard !staffId.isEmpty, staffId.utf8.count <= 64 else { throw FieldError("staffId", "1 to 64 bytes") }
            guard (4...32).contains(pin.count) else { throw FieldError("pin", "4 to 32 characters") }
        }
    }

    /// Login on `router`, open to all; the rest on `authenticated`.
    static func add(
        to router: some RouterMethods<APIRequestContext>, authenticated: some RouterMethods<APIRequestContext>,
        auth: NodeAuthentication
    ) {
        let coordinator = auth.coordinator
        router.post("/v1/staff/sessions") { request, context -> Response in
            let body = try await RequestBody.decode(LoginRequest.self, from: request)
            let address = context.clientAddress
            let admission: LoginThrottle.Admission
            do {
                admission = try await coordinator.beginLogin(staffID: body.staffId, address: address)
            } catch {
                throw StorageUnavailable(action: "not logged in", hint: "try again", underlying: error)
            }
            if let refusal = LockoutAnswer.refusal(admission, account: "staff id", hint: "; ask a manager") {
                throw refusal
            }
            let member: StaffMember?
            do {
                member = try await coordinator.staffMember(body.staffId)
            } catch {
                await coordinator.abandonLogin(staffID: body.staffId, address: address)
                throw StorageUnavailable(action: "not logged in", hint: "try again", underlying: error)
            }
            // The hash is checked off the coordinator: ~0.1 s must not hold up gate decisions.
            let matches = PINHash.verify(pin: body.pin, against: member?.pinHash ?? PINHash.decoy)
            let allowed = matches && member?.active == true
            if allowed && body.pin.count < PINHash.minimumDigits {
                // The right PIN, set before PINs had six digits: it must be set again.
                try await coordinator.refuseShortPIN(staffID: body.staffId, address: address)
                throw HTTPError(
                    .forbidden,
                    message: "PIN too short: staff PINs have at least \(PINHash.minimumDigits) digits; "
                        + "ask a manager to set a new one")
            }
            guard
                let session = try await coordinator.finishLogin(
                    staffID: body.staffId, address: address, member: allowed ? member : nil, succeeded: allowed)
            else { throw HTTPError(.unauthorized, message: "unknown staff id or wrong PIN") }
            return try JSONBody(session).response(from: request, context: context).withStatus(.created)
        }
        authenticated.get("/v1/audit") { request, context -> JSONBody<[AuditEntry]> in
            _ = try await auth.require(.auditRead, context, target: "audit log")
            let limit = min(max(Int(request.uri.queryParameters["limit"].map(String.init) ?? "") ?? 100, 1), 1000)
            return JSONBody(try await coordinator.recentAudit(limit: limit))
        }
        authenticated.delete("/v1/staff/sessions/current") { _, context -> HTTPResponse.Status in
            if case .staff(let session) = try context.authenticatedCaller() {
                try await coordinator.endSession(session.token)
            }
            return .noContent
        }
    }
}
