import { lighthouseProject } from '../../vitest.shared.ts';

export default lighthouseProject();
