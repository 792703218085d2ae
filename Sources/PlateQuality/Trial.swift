import MallDomain

/// The reserved plates of one measurement, as a list to draw from and an index to match against.
struct Book {
    var plates: [String]
    var index: PlateIndex

    init(plates: [String]) {
        self.plates = plates
        index = PlateIndex(plates)
    }

    init(drawing count: Int, from all: [String], random: inout SplitMix64) {
        var drawn: Set<String> = []
        while drawn.count < count { drawn.insert(all[random.next(below: all.count)]) }
        self.init(plates: drawn.sorted())
    }
}

/// One trial's three cars as the camera reported them: an unreserved car
/// drawn from all plates, an unreserved neighbour of a reservation (with
/// the reservation it resembles, listed as a decoy candidate), and a
/// reserved car misread by one character the camera's model draws.
struct Trial {
    var stranger: Camera.Report
    var neighbour: (report: Camera.Report, decoy: String)?
    var misread: (report: Camera.Report, car: String)?
    /// The misread happened to be another reservation's plate exactly: no
    /// matcher's to catch, so counted apart.
    var misreadOntoAnotherReservation = false

    init(
        camera: Camera, confusions: ConfusionModel, plates: [String], book: Book, random: inout SplitMix64
    ) {
        var stranger = plates[random.next(below: plates.count)]
        while book.index.contains(stranger) { stranger = plates[random.next(below: plates.count)] }
        self.stranger = camera.read(stranger, random: &random)

        let target = book.plates[random.next(below: book.plates.count)]
        if let neighbour = Self.neighbour(of: target, confusions: confusions, book: book.index, &random) {
            self.neighbour = (camera.read(neighbour, random: &random), target)
        }

        let car = book.plates[random.next(below: book.plates.count)]
        guard let misread = camera.misread(of: car, random: &random) else { return }
        let report = camera.read(car, misread: misread, random: &random)
        if book.index.contains(report.text) {
            misreadOntoAnotherReservation = true
        } else {
            self.misread = (report, car)
        }
    }

    /// A valid plate one confusable character (by `confusions`, the
    /// matcher's own table: the neighbours it is most tempted by) from
    /// `plate` that holds no reservation, if there is one.
    static func neighbour(of plate: String, confusions: ConfusionModel, book: PlateIndex, _ random: inout SplitMix64)
        -> String?
    {
        let characters = Array(plate)
        let options = characters.indices.flatMap { index in
            confusions.misreads(of: characters[index]).compactMap { confusion -> String? in
                var other = characters
                other[index] = confusion.read
                let text = String(other)
                guard (try? PlateNormalizer.normalize(text))?.text == text, !book.contains(text) else { return nil }
                return text
            }
        }
        return options.isEmpty ? nil : options[random.next(below: options.count)]
    }
}
