/// A test's set-up that could not be done (a program missing or failing, a server or socket that
/// will not start, a free port not found), as one line for the test's failure.
public struct TestSetupError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
