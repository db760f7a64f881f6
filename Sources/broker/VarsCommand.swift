import ArgumentParser
import BrokerCore
import BuiltinPlugins

/// `broker vars [--json]`: the variable catalogue with the source (and processor) types that provide
/// each variable.
struct VarsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "vars", abstract: "Print the variable catalogue: name, type, count, unit, description, source types.")

    @Flag(name: .long, help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        let rows = VariableTable.rows(catalog: BuiltinPlugins.catalog)
        if json {
            let value = JSONValue.array(
                rows.map { row in
                    .object(row.info.jsonFields() + BrokerMessages.rangeFields(row.info) + [("sources", .array(row.sourceTypes.map { .string($0) }))])
                })
            print(value.jsonString)
            return
        }
        let nameWidth = rows.map(\.info.name.count).max() ?? 10
        let unitWidth = min(rows.map(\.info.unit.count).max() ?? 4, 18)
        for row in rows {
            let info = row.info
            let shape = info.count > 1 ? "\(info.type.rawValue)[\(info.count)]" : info.type.rawValue
            print(
                [
                    info.name.padding(toLength: nameWidth, withPad: " ", startingAt: 0),
                    shape.padding(toLength: 12, withPad: " ", startingAt: 0),
                    info.unit.padding(toLength: unitWidth, withPad: " ", startingAt: 0),
                    row.sourceTypes.joined(separator: ",").padding(toLength: 14, withPad: " ", startingAt: 0),
                    info.description,
                ].joined(separator: "  "))
        }
    }
}

/// The catalogue joined with what each built-in source type declares it provides.
enum VariableTable {
    struct Row {
        var info: VariableInfo
        var sourceTypes: [String]
    }

    static func rows(catalog: PluginCatalog) -> [Row] {
        var rows = VariableCatalogue.all.map { Row(info: $0, sourceTypes: []) }
        var index = Dictionary(uniqueKeysWithValues: rows.enumerated().map { ($1.info.name, $0) })
        var providers: [(typeName: String, variables: [VariableInfo])] = catalog.sources.map { plugin in
            switch plugin.providedVariables {
            case .catalogue: return (plugin.typeName, VariableCatalogue.all)
            case let .names(names):
                return (
                    plugin.typeName, names.map { name in VariableCatalogue.all.first { $0.name == name } ?? VariableInfo(name: name, type: .float) }
                )
            case let .variables(infos): return (plugin.typeName, infos)
            }
        }
        providers += catalog.processors.map { ($0.typeName, $0.providedVariables) }
        for plugin in providers {
            for info in plugin.variables {
                if let i = index[info.name] {
                    rows[i].sourceTypes.append(plugin.typeName)
                } else {
                    index[info.name] = rows.count
                    rows.append(Row(info: info, sourceTypes: [plugin.typeName]))
                }
            }
        }
        return rows
    }
}
