import LatentServer
try await ServerMain.main()
