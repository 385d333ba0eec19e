import { describe, expect, it } from 'vitest';
import { artifactName, pinnedVersions } from '../../../src/store/opensearch-distribution.js';

describe('opensearch distribution', () => {
  it('pins one 2.19 OpenSearch and the k-NN plugin built for exactly that version', () => {
    const { version, knnVersion } = pinnedVersions();
    expect(version).toMatch(/^2\.19\.\d+$/);
    expect(knnVersion).toBe(`${version}.0`);
  });

  it('names a jar by its artifact, whatever the version, so a module never repeats a library of lib/', () => {
    expect(artifactName('jackson-core-2.18.8.jar')).toBe('jackson-core');
    expect(artifactName('netty-transport-native-unix-common-4.1.135.Final.jar')).toBe('netty-transport-native-unix-common');
    expect(artifactName('zstd-jni-1.5.5-5.jar')).toBe('zstd-jni');
    expect(artifactName('guava-32.1.3-jre.jar')).toBe('guava');
    expect(artifactName('log4j-api-2.25.4.jar')).toBe('log4j-api');
    expect(artifactName('lucene-spatial3d-9.12.3.jar')).toBe('lucene-spatial3d');
    expect(artifactName('HdrHistogram-2.2.2.jar')).toBe('HdrHistogram');
  });
});
