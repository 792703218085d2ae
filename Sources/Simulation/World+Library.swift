import SyncCore

/// The library's day (`SyncSchema.library`): the hub catalogues titles and
/// copies, reshelves and withdraws them; desks lend copies, take them back
/// and clear returned loans; kiosks place holds. Desks cut off from the hub
/// lend one copy twice, as the mall's gift counters redeem one code twice.
extension World {
    func libraryAct(_ client: Client) {
        switch client {
        case .hub: libraryHubAction()
        case .node(let index):
            let node = nodes[index]
            switch node.role {
            case .desk: deskAction(node)
            case .kiosk: kioskAction(node)
            default: break
            }
        }
    }

    private func libraryHubAction() {
        let roll = random.int(0...99)
        switch roll {
        case 0..<25:
            hubWrite([
                .insert(
                    "titles", nextKey("t"),
                    ["title": .text("Title \(counter)"), "author": .text("Author \(counter % 7)"), "shelf": .text("A")])
            ])
        case 25..<55:
            guard let title = random.pick(keys["titles"] ?? []) else { return }
            hubWrite([
                .insert(
                    "copies", nextKey("c"),
                    ["title_id": .text(title), "barcode": .text("BC\(counter)"), "condition": .int(5)])
            ])
        case 55..<70:
            guard let title = random.pick(keys["titles"] ?? []) else { return }
            hubWrite([.update("titles", title, ["shelf": .text(random.pick(["A", "B", "C"])!)])])
        case 70..<80:
            guard let copy = random.pick(keys["copies"] ?? []) else { return }
            hubWrite([.update("copies", copy, ["condition": .int(Int64(random.int(0...5)))])])
        case 80..<92:
            guard let copy = random.pick(keys["copies"] ?? []) else { return }
            hubWrite([.delete("copies", copy)])
        default:
            guard let title = random.pick(keys["titles"] ?? []) else { return }
            hubWrite([.delete("titles", title)])
        }
    }

    /// Lends a copy this desk has not lent yet, or takes back or clears one
    /// of its loans.
    private func deskAction(_ node: Node) {
        let at = Int64(physicalTime(of: .node(node.index)))
        let roll = random.int(0...99)
        if roll < 50 {
            guard let copy = random.pick(keys["copies"] ?? []), visible(node, "copies", copy) != nil else { return }
            let lentHere = (usesByItem[copy] ?? []).contains { visible(node, "lendings", $0) != nil }
            guard !lentHere else { return }
            let lending = nextKey("lend-\(node.id)")
            let loan = nextKey("loan-\(node.id)")
            usesByItem[copy, default: []].append(lending)
            ownRowsByNode[node.index, default: []].append(loan)
            nodeCommit(
                node,
                [
                    .insert(
                        "lendings", lending,
                        [
                            "copy_id": .text(copy), "desk": .text(node.id), "patron": .text("p-\(counter % 50)"),
                            "at": .int(at),
                        ]
                    ),
                    .insert(
                        "loans", loan,
                        [
                            "copy_id": .text(copy), "patron": .text("p-\(counter % 50)"), "state": .text("out"),
                            "due": .int(at + 14 * 86_400_000),
                        ]),
                ])
        } else if roll < 85 {
            guard let loan = random.pick(ownRowsByNode[node.index] ?? []),
                let row = visible(node, "loans", loan), row.cells["state"]?.value == .text("out")
            else { return }
            nodeCommit(node, [.update("loans", loan, ["state": .text("returned"), "returned_at": .int(at)])])
        } else {
            guard let loan = random.pick(ownRowsByNode[node.index] ?? []),
                let row = visible(node, "loans", loan), row.cells["state"]?.value == .text("returned")
            else { return }
            nodeCommit(node, [.delete("loans", loan)])
        }
    }

    private func kioskAction(_ node: Node) {
        guard let title = random.pick(keys["titles"] ?? []), visible(node, "titles", title) != nil else { return }
        nodeCommit(
            node,
            [
                .insert(
                    "holds", nextKey("h-\(node.id)"),
                    [
                        "title_id": .text(title), "patron": .text("p-\(counter % 50)"), "kiosk": .text(node.id),
                        "at": .int(Int64(physicalTime(of: .node(node.index)))),
                    ])
            ])
    }
}
